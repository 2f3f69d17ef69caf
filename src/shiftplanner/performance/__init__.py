"""Speed: the response cache, ETags and compression."""
