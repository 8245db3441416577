"""Units (单位) in a tree, users, and the roles users hold per unit."""
