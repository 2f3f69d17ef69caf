"""The simulated annealing's inner loop, compiled by numba (anneal.py prepares its arrays
and reads its result). Plain loops over integer arrays: that is what numba compiles to
machine code, some hundred times faster than the same Python, which is what makes a
local search competitive with CP-SAT's on rostering (bench/solver/RESULTS.md).

A roster is `state[analyst, day]`: a shift index, or -1 off; `skill[analyst, day]` the
skill need it covers (-1: none); `duty[analyst, day]` 1 for screener duty. A move's cost
is counted in two parts: `soft`, the objective, and `hard`, how far hard rules are
broken, which the search pays `hard_weight` per unit for and the best roster must be free
of. The functions take the roster's `counters`, the `best` roster and the problem's
`rules` as tuples of arrays, read by the positions below. Those that take `rules` and run
on every move are inlined where they are called (`inline="always"`): passing the tuple of
seventeen arrays to a call cost more than the work of most of them (on INRC-II n050,
1.19 against 1.40 million moves a second)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

NO_LIMIT = 1 << 40
HARD = -1  # a limit's weight when it is hard

# ainfo columns: one row of integers per analyst.
PREV_MASK = 0  # bit s: shift s was worked the day before the horizon
WORK_CARRIED = 1  # days in a row worked up to the day before the horizon
WORK_UNKNOWN = 2  # that run (or day 0's, when none) reaches back to unknown days
OFF_CARRIED = 3
OFF_UNKNOWN = 4
WORK_MIN = 5  # 0: none
WORK_MAX = 6  # NO_LIMIT: none
OFF_MIN = 7
OFF_MAX = 8
MIN_MINUTES = 9  # -1: none
MAX_MINUTES = 10
ASSIGNMENTS_BEFORE = 11
MIN_ASSIGNMENTS = 12
MAX_ASSIGNMENTS = 13
WEEKENDS_BEFORE = 14
MAX_WEEKENDS = 15
COMPLETE_WEEKENDS = 16  # 0 or 1
SATURDAY_BEFORE = 17  # the Saturday before a horizon starting on Sunday: 0 unknown, 1 off, 2 worked
FAIR_WEEKENDS_BEFORE = 18
FAIR_NIGHTS_BEFORE = 19
SCREENER = 20  # 1: has the screener skill
SCREEN_CARRIED = 21  # screener days in a row up to the day before the horizon
FAIR_SCREENER_BEFORE = 22
ANALYST_FIELDS = 23

# ashift columns: analyst × shift type.
SHIFT_CARRIED = 0
SHIFT_UNKNOWN = 1
MAX_OF_TYPE = 2  # -1: none
ANALYST_SHIFT_FIELDS = 3

# shift_info columns.
MINUTES = 0
RUN_MIN = 1
RUN_MAX = 2
NIGHT = 3
SHIFT_FIELDS = 4

# weights: the limits' (HARD when hard), then the fairness terms'.
W_DAYS = 0
W_DAYS_OFF = 1
W_SHIFT_TYPE = 2
W_ASSIGNMENTS = 3
W_WEEKENDS = 4
W_COMPLETE = 5
W_FAIR_WEEKENDS = 6
W_FAIR_NIGHTS = 7
W_FAIR_SCREENER = 8
W_SCREENER_SHORT = 9
SCREEN_MAX = 10  # the most screener days in a row (hard)
WEIGHT_FIELDS = 11

# cover columns per (day, shift): required, under weight, over weight, hard minimum,
# screeners required.
REQUIRED = 0
UNDER = 1
OVER = 2
HARD_MIN = 3
SCREENERS = 4
NEED_FIELDS = 5
# mix: how moves are drawn.
MIX_CHANGE = 0  # the share of changes (the rest: swaps)
MIX_CHANGE_ONE_DAY = 1  # the share of changes of a single day (the rest: a stretch)
MIX_CHANGE_LONGEST = 2  # a changed stretch's longest
MIX_SWAP_ONE_DAY = 3
MIX_SWAP_LONGEST = 4
# skill_need columns per (day, shift, skill): minimum (hard), optimal, weight.
SKILL_MIN = 0
SKILL_OPTIMAL = 1
SKILL_WEIGHT = 2


# rules: the problem's arrays, in this order (anneal.Arrays.rules).
AINFO = 0
ASHIFT = 1
SHIFT_INFO = 2
FORBIDDEN = 3
STATE_COST = 4
WK_SAT = 5
WK_SUN = 6
WEIGHTS = 7
NEEDS = 8
SKILL_NEEDS = 9
EVERYONE = 10
SKILLED = 11
FIXED = 12
ALLOWED = 13
SKILLS = 14
SKILL_COUNT = 15
HAS_SKILL = 16


@njit(cache=True, nogil=True)
def _segments(row, states, lengths):
    """The row as its stretches of one state: `states[i]` held `lengths[i]` days in a
    row. Returns how many. The runs are judged over these (a month has some ten), not
    day by day: the pricing of a row is most of a move's time."""
    count = 0
    for d in range(row.shape[0]):
        if count > 0 and states[count - 1] == row[d]:
            lengths[count - 1] += 1
        else:
            states[count] = row[d]
            lengths[count] = 1
            count += 1
    return count


@njit(cache=True, nogil=True)
def _scratch(days):
    """Room for a row's `_segments`, made once per call of the kernel, not per move."""
    return np.empty(days, np.int64), np.empty(days, np.int64)


@njit(cache=True, nogil=True)
def _run_units(length, before, reaches, least, most, inside, hard):
    """The units by which one run misses its least and most. `before`: how many of its
    days precede the horizon; `reaches`: it goes back to unknown days; `inside`: it ends
    before the horizon does. Judged as the checker judges a hard limit (only runs with a
    day in the horizon) or a weighted one (the competition's border rules: what history
    was already charged for is not charged again)."""
    units = 0
    in_horizon = length > before
    if in_horizon:
        units += max(0, length - most) - (0 if hard else max(0, before - most))
    if length < least and not reaches and inside and (in_horizon or not hard):
        units += least - length
    return units


@njit(cache=True, nogil=True)
def _runs(states, lengths, count, mode, shift, carried, unknown, least, most, hard):
    """The units by which one state's runs miss their least and most (`_run_units`):
    mode 0 worked days, 1 days off, 2 days on `shift`; over the row's `_segments`."""
    units = 0
    length = carried
    before = carried
    reaches = unknown != 0
    for i in range(count):
        t = states[i]
        if mode == 0:
            member = t >= 0
        elif mode == 1:
            member = t < 0
        else:
            member = t == shift
        if member:
            length += lengths[i]
            continue
        if length > 0:
            units += _run_units(length, before, reaches, least, most, True, hard)
        length = 0
        before = 0
        reaches = False
    if length > 0:
        units += _run_units(length, before, reaches, least, most, False, hard)
    return units


@njit(cache=True, nogil=True)
def _shift_type_runs(states, lengths, count, ashift, shift_info, hard):
    """`_runs` of every shift type of analyst row `ashift` at once (their units share
    one weight): each stretch of a shift type is a whole run of it, so one pass."""
    units = 0
    for s in range(shift_info.shape[0]):
        # A run of history that ends with the day before the horizon.
        carried = ashift[s, SHIFT_CARRIED]
        if carried > 0 and states[0] != s:
            least, most = shift_info[s, RUN_MIN], shift_info[s, RUN_MAX]
            reaches = ashift[s, SHIFT_UNKNOWN] != 0
            units += _run_units(carried, carried, reaches, least, most, True, hard)
    for i in range(count):
        t = states[i]
        if t < 0:
            continue
        least, most = shift_info[t, RUN_MIN], shift_info[t, RUN_MAX]
        if least == 0 and most == NO_LIMIT:
            continue
        length, before, reaches = lengths[i], 0, False
        if i == 0:
            before = ashift[t, SHIFT_CARRIED]
            length += before
            reaches = ashift[t, SHIFT_UNKNOWN] != 0
        units += _run_units(length, before, reaches, least, most, i < count - 1, hard)
    return units


@njit(cache=True, nogil=True)
def _limit(units, weight):
    """(soft, hard) of units beyond a limit of that weight."""
    if weight == HARD:
        return 0, units
    return units * weight, 0


@njit(cache=True, nogil=True, inline="always")
def row_cost(row, duty, n, rules, segments):
    """One analyst's part of the cost: (soft, hard, weekends worked, nights, screener
    days) — the last three with history, for fairness."""
    ainfo, ashift, shift_info, forbidden, state_cost, wk_sat, wk_sun, weights = rules[:8]
    days = row.shape[0]
    shifts = shift_info.shape[0]
    soft = 0
    hard = 0
    worked = 0
    minutes = 0
    nights = 0
    screener_days = 0
    prev_mask = ainfo[n, PREV_MASK]
    states, lengths = segments
    count = _segments(row, states, lengths)
    for d in range(days):
        t = row[d]
        soft += state_cost[n, d, t + 1]
        if t < 0:
            continue
        worked += 1
        minutes += shift_info[t, MINUTES]
        nights += shift_info[t, NIGHT]
        screener_days += duty[d]
        if d == 0:
            for s in range(shifts):
                if (prev_mask >> s) & 1 and forbidden[s, t]:
                    hard += 1
        elif row[d - 1] >= 0 and forbidden[row[d - 1], t]:
            hard += 1
    # Runs: worked days, days off, each shift type.
    runs = (
        (
            0,
            -1,
            ainfo[n, WORK_CARRIED],
            ainfo[n, WORK_UNKNOWN],
            ainfo[n, WORK_MIN],
            ainfo[n, WORK_MAX],
            weights[W_DAYS],
        ),
        (
            1,
            -1,
            ainfo[n, OFF_CARRIED],
            ainfo[n, OFF_UNKNOWN],
            ainfo[n, OFF_MIN],
            ainfo[n, OFF_MAX],
            weights[W_DAYS_OFF],
        ),
    )
    for mode, shift, carried, unknown, least, most, weight in runs:
        if least == 0 and most == NO_LIMIT:
            continue
        a, b = _limit(
            _runs(
                states, lengths, count, mode, shift, carried, unknown, least, most, weight == HARD
            ),
            weight,
        )
        soft += a
        hard += b
    for s in range(shifts):
        most_of_type = ashift[n, s, MAX_OF_TYPE]
        if most_of_type >= 0:
            of_type = 0
            for i in range(count):
                if states[i] == s:
                    of_type += lengths[i]
            hard += max(0, of_type - most_of_type)
    weight = weights[W_SHIFT_TYPE]
    units = _shift_type_runs(states, lengths, count, ashift[n], shift_info, weight == HARD)
    a, b = _limit(units, weight)
    soft += a
    hard += b
    if screener_days > 0 or ainfo[n, SCREEN_CARRIED] > 0:
        duties = _segments(duty, states, lengths)
        carried = ainfo[n, SCREEN_CARRIED]
        hard += _runs(states, lengths, duties, 2, 1, carried, 0, 0, weights[SCREEN_MAX], True)
    # Minutes (hard), assignments.
    if ainfo[n, MIN_MINUTES] >= 0:
        hard += max(0, ainfo[n, MIN_MINUTES] - minutes)
    if ainfo[n, MAX_MINUTES] >= 0:
        hard += max(0, minutes - ainfo[n, MAX_MINUTES])
    total = ainfo[n, ASSIGNMENTS_BEFORE] + worked
    units = 0
    if ainfo[n, MIN_ASSIGNMENTS] >= 0:
        units += max(0, ainfo[n, MIN_ASSIGNMENTS] - total)
    if ainfo[n, MAX_ASSIGNMENTS] >= 0:
        units += max(0, total - ainfo[n, MAX_ASSIGNMENTS])
    a, b = _limit(units, weights[W_ASSIGNMENTS])
    soft += a
    hard += b
    # Weekends: worked (horizon days only), complete.
    weekends = 0
    incomplete = 0
    for w in range(wk_sat.shape[0]):
        sat = wk_sat[w]
        sun = wk_sun[w]
        sat_works = sat >= 0 and row[sat] >= 0
        sun_works = sun >= 0 and row[sun] >= 0
        if sat_works or sun_works:
            weekends += 1
        if ainfo[n, COMPLETE_WEEKENDS] == 1 and sun >= 0:
            if sat >= 0:
                if sat_works != sun_works:
                    incomplete += 1
            elif ainfo[n, SATURDAY_BEFORE] != 0 and (ainfo[n, SATURDAY_BEFORE] == 2) != sun_works:
                incomplete += 1
    a, b = _limit(incomplete, weights[W_COMPLETE])
    soft += a
    hard += b
    if ainfo[n, MAX_WEEKENDS] >= 0:
        a, b = _limit(
            max(0, ainfo[n, WEEKENDS_BEFORE] + weekends - ainfo[n, MAX_WEEKENDS]),
            weights[W_WEEKENDS],
        )
        soft += a
        hard += b
    return (
        soft,
        hard,
        ainfo[n, FAIR_WEEKENDS_BEFORE] + weekends,
        ainfo[n, FAIR_NIGHTS_BEFORE] + nights,
        ainfo[n, FAIR_SCREENER_BEFORE] + screener_days,
    )


@njit(cache=True, nogil=True)
def _spread(values, counted):
    """max - min of the `counted` entries of `values` (0 for fewer than two)."""
    low = NO_LIMIT
    high = -NO_LIMIT
    entries = 0
    for i in range(values.shape[0]):
        if counted[i]:
            entries += 1
            low = min(low, values[i])
            high = max(high, values[i])
    return 0 if entries < 2 else high - low


@njit(cache=True, nogil=True)
def _fairness(fair, everyone, skilled, weights):
    """The fairness terms of `fair[analyst]`: weekends, nights, screener days."""
    return (
        weights[W_FAIR_WEEKENDS] * _spread(fair[:, 0], everyone)
        + weights[W_FAIR_NIGHTS] * _spread(fair[:, 1], everyone)
        + weights[W_FAIR_SCREENER] * _spread(fair[:, 2], skilled)
    )


@njit(cache=True, nogil=True)
def cover_cost(count, screeners, need, screener_weight):
    """(soft, hard) of one shift-day with `count` analysts, `screeners` of them on duty."""
    soft = need[UNDER] * max(0, need[REQUIRED] - count) + need[OVER] * max(
        0, count - need[REQUIRED]
    )
    soft += screener_weight * max(0, need[SCREENERS] - screeners)
    return soft, max(0, need[HARD_MIN] - count)


@njit(cache=True, nogil=True)
def skill_cost(count, need):
    return need[SKILL_WEIGHT] * max(0, need[SKILL_OPTIMAL] - count), max(0, need[SKILL_MIN] - count)


@njit(cache=True, nogil=True, inline="always")
def _cell_cost(d, s, cover, screens, skill_cover, rules):
    """(soft, hard) of one shift-day: its analysts, screeners and skills."""
    weights, needs, skill_needs = rules[WEIGHTS], rules[NEEDS], rules[SKILL_NEEDS]
    soft, hard = cover_cost(cover[d, s], screens[d, s], needs[d, s], weights[W_SCREENER_SHORT])
    for k in range(skill_needs.shape[2]):
        a, b = skill_cost(skill_cover[d, s, k], skill_needs[d, s, k])
        soft += a
        hard += b
    return soft, hard


@njit(cache=True, nogil=True)
def _count(d, t, k, duty, sign, cover, screens, skill_cover):
    """Add (sign 1) or take away (-1) one assignment from the shift-day counts."""
    if t < 0:
        return
    cover[d, t] += sign
    screens[d, t] += sign * duty
    if k >= 0:
        skill_cover[d, t, k] += sign


@njit(cache=True, nogil=True)
def _set_fair(n, priced, fair):
    fair[n, 0] = priced[2]
    fair[n, 1] = priced[3]
    fair[n, 2] = priced[4]


@njit(cache=True, nogil=True)
def _keep(n, priced, rows, fair):
    """Record analyst `n`'s row as `row_cost` priced it."""
    rows[n, 0] = priced[0]
    rows[n, 1] = priced[1]
    _set_fair(n, priced, fair)


@njit(cache=True, nogil=True)
def _fairness_change(fair, n1, priced1, n2, priced2, rules):
    """How the fairness terms would change if analysts `n1` and `n2` (-1: `n1` alone)
    took the rows `row_cost` priced; `fair` is left as it was."""
    weights, everyone, skilled = rules[WEIGHTS], rules[EVERYONE], rules[SKILLED]
    before = _fairness(fair, everyone, skilled, weights)
    first = (fair[n1, 0], fair[n1, 1], fair[n1, 2])
    second = first
    _set_fair(n1, priced1, fair)
    if n2 >= 0:
        second = (fair[n2, 0], fair[n2, 1], fair[n2, 2])
        _set_fair(n2, priced2, fair)
    change = _fairness(fair, everyone, skilled, weights) - before
    fair[n1, 0], fair[n1, 1], fair[n1, 2] = first
    if n2 >= 0:
        fair[n2, 0], fair[n2, 1], fair[n2, 2] = second
    return change


@njit(cache=True, nogil=True)
def _stretch(days, one_day_share, longest):
    """A random first day and length: one day with `one_day_share`, else 2 to `longest`
    (at most the horizon)."""
    length = 1
    if np.random.random() >= one_day_share:
        length = min(days, 2 + np.random.randint(int(longest) - 1))
    return np.random.randint(days - length + 1), length


@njit(cache=True, nogil=True, inline="always")
def _may_take(n, d, t, k, u, rules):
    """Whether analyst `n` may be given shift `t`, skill `k` and duty `u` on day `d`."""
    fixed, allowed, has_skill, ainfo = rules[FIXED], rules[ALLOWED], rules[HAS_SKILL], rules[AINFO]
    if fixed[n, d] or not allowed[n, d, t + 1]:
        return False
    if k >= 0 and not has_skill[n, k]:
        return False
    return u == 0 or ainfo[n, SCREENER] == 1


@njit(cache=True, nogil=True, inline="always")
def _try_row(
    n,
    d1,
    length,
    row,
    skill_row,
    duty_row,
    counters,
    temperature,
    hard_weight,
    fairness,
    rules,
    segments,
):
    """Analyst `n` taking `row`, `skill_row` and `duty_row` on days `d1` to
    `d1 + length - 1` (the rest as they are): priced, and kept when the annealing accepts
    it. Returns whether it was kept, and the soft and hard change."""
    state, skill, duty, cover, screens, skill_cover, rows, fair, _ = counters
    fixed, allowed = rules[FIXED], rules[ALLOWED]
    changed = False
    for d in range(d1, d1 + length):
        if row[d] != state[n, d] or skill_row[d] != skill[n, d] or duty_row[d] != duty[n, d]:
            if fixed[n, d] or not allowed[n, d, row[d] + 1]:
                return False, 0, 0
            changed = True
    if not changed:
        return False, 0, 0
    priced = row_cost(row, duty_row, n, rules, segments)
    d_soft = priced[0] - rows[n, 0]
    d_hard = priced[1] - rows[n, 1]
    if fairness:
        d_soft += _fairness_change(fair, n, priced, -1, priced, rules)
    for d in range(d1, d1 + length):
        old_t = state[n, d]
        t = row[d]
        before_soft = 0
        before_hard = 0
        if old_t >= 0:
            before_soft, before_hard = _cell_cost(d, old_t, cover, screens, skill_cover, rules)
        if t >= 0 and t != old_t:
            a, b = _cell_cost(d, t, cover, screens, skill_cover, rules)
            before_soft += a
            before_hard += b
        _count(d, old_t, skill[n, d], duty[n, d], -1, cover, screens, skill_cover)
        _count(d, t, skill_row[d], duty_row[d], 1, cover, screens, skill_cover)
        if old_t >= 0:
            a, b = _cell_cost(d, old_t, cover, screens, skill_cover, rules)
            d_soft += a
            d_hard += b
        if t >= 0 and t != old_t:
            a, b = _cell_cost(d, t, cover, screens, skill_cover, rules)
            d_soft += a
            d_hard += b
        d_soft -= before_soft
        d_hard -= before_hard
    delta = d_soft + hard_weight * d_hard
    if delta <= 0 or np.random.random() < math.exp(-delta / temperature):
        for d in range(d1, d1 + length):
            state[n, d] = row[d]
            skill[n, d] = skill_row[d]
            duty[n, d] = duty_row[d]
        _keep(n, priced, rows, fair)
        return True, d_soft, d_hard
    for d in range(d1, d1 + length):
        _count(d, row[d], skill_row[d], duty_row[d], -1, cover, screens, skill_cover)
        _count(d, state[n, d], skill[n, d], duty[n, d], 1, cover, screens, skill_cover)
    return False, 0, 0


@njit(cache=True, nogil=True)
def anneal(counters, best, temperature, iterations, seed, hard_weight, mix, rules):
    """`iterations` moves at `temperature`. `totals`: current soft, current hard, best
    soft (of a roster without hard breaks; -1: none yet), improvements; updated."""
    state, skill, duty, _, _, _, rows, fair, totals = counters
    best_state, best_skill, best_duty = best
    ainfo, shift_info = rules[AINFO], rules[SHIFT_INFO]
    weights, skills, skill_count = rules[WEIGHTS], rules[SKILLS], rules[SKILL_COUNT]
    np.random.seed(seed)
    analysts, days = state.shape
    shifts = shift_info.shape[0]
    row1 = np.empty(days, np.int64)
    row2 = np.empty(days, np.int64)
    duty1 = np.empty(days, np.int64)
    duty2 = np.empty(days, np.int64)
    skill1 = np.empty(days, np.int64)
    segments = _scratch(days)
    soft = totals[0]
    hard = totals[1]
    fairness = (
        weights[W_FAIR_WEEKENDS] > 0 or weights[W_FAIR_NIGHTS] > 0 or weights[W_FAIR_SCREENER] > 0
    )
    duties = weights[W_SCREENER_SHORT] > 0 or weights[W_FAIR_SCREENER] > 0
    for _ in range(iterations):
        if np.random.random() < mix[MIX_CHANGE]:
            # One analyst's day, or a stretch of days: another shift type (the same on
            # each day), skill or duty, or off.
            n = np.random.randint(analysts)
            for i in range(days):
                row1[i] = state[n, i]
                duty1[i] = duty[n, i]
                skill1[i] = skill[n, i]
            d1, length = _stretch(days, mix[MIX_CHANGE_ONE_DAY], mix[MIX_CHANGE_LONGEST])
            t = np.random.randint(shifts + 1) - 1
            for d in range(d1, d1 + length):
                k = -1
                u = 0
                if t >= 0:
                    if skill_count[n] > 0:
                        k = skills[n, np.random.randint(skill_count[n])]
                    if duties and ainfo[n, SCREENER] == 1:
                        u = np.random.randint(2)
                row1[d] = t
                skill1[d] = k
                duty1[d] = u
            accepted, d_soft, d_hard = _try_row(
                n,
                d1,
                length,
                row1,
                skill1,
                duty1,
                counters,
                temperature,
                hard_weight,
                fairness,
                rules,
                segments,
            )
            if accepted:
                soft += d_soft
                hard += d_hard
        else:
            # Two analysts swap a day, or a stretch of days.
            if analysts < 2:
                continue
            n1 = np.random.randint(analysts)
            n2 = np.random.randint(analysts - 1)
            if n2 >= n1:
                n2 += 1
            d1, length = _stretch(days, mix[MIX_SWAP_ONE_DAY], mix[MIX_SWAP_LONGEST])
            possible = True
            same = True
            for d in range(d1, d1 + length):
                t1 = state[n1, d]
                t2 = state[n2, d]
                k1 = skill[n1, d]
                k2 = skill[n2, d]
                if t1 != t2 or k1 != k2 or duty[n1, d] != duty[n2, d]:
                    same = False
                if not (
                    _may_take(n1, d, t2, k2, duty[n2, d], rules)
                    and _may_take(n2, d, t1, k1, duty[n1, d], rules)
                ):
                    possible = False
            if same or not possible:
                continue
            for i in range(days):
                row1[i] = state[n1, i]
                row2[i] = state[n2, i]
                duty1[i] = duty[n1, i]
                duty2[i] = duty[n2, i]
            for d in range(d1, d1 + length):
                row1[d] = state[n2, d]
                row2[d] = state[n1, d]
                duty1[d] = duty[n2, d]
                duty2[d] = duty[n1, d]
            priced1 = row_cost(row1, duty1, n1, rules, segments)
            priced2 = row_cost(row2, duty2, n2, rules, segments)
            d_soft = priced1[0] + priced2[0] - rows[n1, 0] - rows[n2, 0]
            d_hard = priced1[1] + priced2[1] - rows[n1, 1] - rows[n2, 1]
            if fairness:
                d_soft += _fairness_change(fair, n1, priced1, n2, priced2, rules)
            delta = d_soft + hard_weight * d_hard
            if delta <= 0 or np.random.random() < math.exp(-delta / temperature):
                for d in range(d1, d1 + length):
                    t = state[n1, d]
                    k = skill[n1, d]
                    u = duty[n1, d]
                    state[n1, d] = state[n2, d]
                    skill[n1, d] = skill[n2, d]
                    duty[n1, d] = duty[n2, d]
                    state[n2, d] = t
                    skill[n2, d] = k
                    duty[n2, d] = u
                _keep(n1, priced1, rows, fair)
                _keep(n2, priced2, rows, fair)
                soft += d_soft
                hard += d_hard
        if hard == 0 and (totals[2] < 0 or soft < totals[2]):
            totals[2] = soft
            totals[3] += 1
            best_state[:, :] = state
            best_skill[:, :] = skill
            best_duty[:, :] = duty
    totals[0] = soft
    totals[1] = hard


@njit(cache=True, nogil=True)
def evaluate(counters, rules):
    """Fill the counters (cover, rows, fairness) and `totals` from the roster (`state`,
    `skill`, `duty`): its whole cost, from scratch."""
    state, skill, duty, cover, screens, skill_cover, rows, fair, totals = counters
    shift_info, weights, everyone, skilled = (
        rules[SHIFT_INFO],
        rules[WEIGHTS],
        rules[EVERYONE],
        rules[SKILLED],
    )
    analysts, days = state.shape
    shifts = shift_info.shape[0]
    cover[:, :] = 0
    screens[:, :] = 0
    skill_cover[:, :, :] = 0
    segments = _scratch(days)
    soft = 0
    hard = 0
    for n in range(analysts):
        for d in range(days):
            _count(d, state[n, d], skill[n, d], duty[n, d], 1, cover, screens, skill_cover)
        priced = row_cost(state[n], duty[n], n, rules, segments)
        _keep(n, priced, rows, fair)
        soft += priced[0]
        hard += priced[1]
    soft += _fairness(fair, everyone, skilled, weights)
    for d in range(days):
        for t in range(shifts):
            a, b = _cell_cost(d, t, cover, screens, skill_cover, rules)
            soft += a
            hard += b
    totals[0] = soft
    totals[1] = hard


@njit(cache=True, nogil=True, inline="always")
def _priced_row(row, duty, n, rules, segments, cell_price, duty_price, fair_price):
    """The value of one analyst's row at column-generation prices (its own soft cost,
    each worked shift-day's and duty's price, its fairness counts' prices), and
    `row_cost`'s pricing of it."""
    priced = row_cost(row, duty, n, rules, segments)
    value = (
        priced[0]
        + fair_price[0] * priced[2]
        + fair_price[1] * priced[3]
        + fair_price[2] * priced[4]
    )
    for d in range(row.shape[0]):
        t = row[d]
        if t >= 0:
            value += cell_price[d, t] + duty[d] * duty_price[d, t]
    return value, priced


@njit(cache=True, nogil=True, inline="always")
def _remember(best, row, duty, value, priced):
    """Keep a new best as the last of `price_row`'s bests, dropping the oldest."""
    rows, duties, values, pricings = best
    keep = values.shape[0]
    for j in range(keep - 1):
        rows[j] = rows[j + 1]
        duties[j] = duties[j + 1]
        values[j] = values[j + 1]
        pricings[j] = pricings[j + 1]
    rows[keep - 1] = row
    duties[keep - 1] = duty
    values[keep - 1] = value
    pricings[keep - 1] = priced


@njit(cache=True, nogil=True)
def price_row(
    n, row, duty, cell_price, duty_price, fair_price, iterations, seed, temperatures, keep, rules
):
    """Anneal analyst `n`'s row alone, from `row` and `duty` (updated to the end state),
    against prices (bound.py's column generation): `cell_price[d, t]` for working shift
    `t` on day `d`, `duty_price[d, t]` for screener duty on it (0 where the analyst may not
    screen), `fair_price` per fairness count. `iterations` moves (a stretch of days to one
    state, or a worked day's duty flipped), cooling from `temperatures[0]` to
    `temperatures[1]`; a hard break costs `temperatures[2]` a unit. Returns the last
    `keep` bests free of hard breaks, the best last: rows, duties, values (inf: none
    found) and `row_cost`'s pricing of each."""
    ainfo, shift_info, fixed, allowed = (
        rules[AINFO],
        rules[SHIFT_INFO],
        rules[FIXED],
        rules[ALLOWED],
    )
    np.random.seed(seed)
    days = row.shape[0]
    shifts = shift_info.shape[0]
    segments = _scratch(days)
    screener = ainfo[n, SCREENER] == 1
    old_row = np.empty(days, np.int64)
    old_duty = np.empty(days, np.int64)
    best_rows = np.full((keep, days), -1, np.int64)
    best_duties = np.zeros((keep, days), np.int64)
    best_values = np.full(keep, np.inf)
    best_priced = np.zeros((keep, 5), np.int64)
    best = (best_rows, best_duties, best_values, best_priced)
    hot, cold, hard_weight = temperatures[0], temperatures[1], temperatures[2]
    value, priced = _priced_row(row, duty, n, rules, segments, cell_price, duty_price, fair_price)
    if priced[1] == 0:
        _remember(best, row, duty, value, priced)
    current = value + hard_weight * priced[1]
    for i in range(iterations):
        temperature = hot * (cold / hot) ** (i / max(1, iterations - 1))
        if screener and np.random.random() < 0.2:
            # A worked day's duty taken or given up.
            d1, length = np.random.randint(days), 1
            if fixed[n, d1] or row[d1] < 0:
                continue
            old_row[d1] = row[d1]
            old_duty[d1] = duty[d1]
            duty[d1] = 1 - duty[d1]
        else:
            d1, length = _stretch(days, 0.5, 7)
            t = np.random.randint(shifts + 1) - 1
            changed = False
            possible = True
            for d in range(d1, d1 + length):
                if fixed[n, d] or not allowed[n, d, t + 1]:
                    possible = False
                    break
                if row[d] != t:
                    changed = True
            if not possible or not changed:
                continue
            for d in range(d1, d1 + length):
                old_row[d] = row[d]
                old_duty[d] = duty[d]
                row[d] = t
                # Duty where it pays; the duty moves above try the other way.
                duty[d] = int(t >= 0 and screener and duty_price[d, t] < 0)
        value, priced = _priced_row(
            row, duty, n, rules, segments, cell_price, duty_price, fair_price
        )
        hard = priced[1]
        delta = value + hard_weight * hard - current
        if delta <= 0 or np.random.random() < math.exp(-delta / temperature):
            current = value + hard_weight * hard
            if hard == 0 and value < best_values[keep - 1]:
                _remember(best, row, duty, value, priced)
        else:
            for d in range(d1, d1 + length):
                row[d] = old_row[d]
                duty[d] = old_duty[d]
    return best_rows, best_duties, best_values, best_priced
