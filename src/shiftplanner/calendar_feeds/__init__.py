"""Calendar feeds: secret iCalendar (RFC 5545) URLs of an analyst's or a team's schedule
that calendar apps subscribe to, and the schedule's CSV export."""
