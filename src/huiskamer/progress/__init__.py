"""Progress on goals: observations with a rating, and the periodic evaluation with the parents."""
