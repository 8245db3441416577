"""A generated government site served on loopback: the test ground of sanshen.patrol."""
