"""Infrastructure every part uses: configuration, the Redis store and its key names, logging."""
