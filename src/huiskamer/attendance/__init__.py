"""Day lists, attendance and concerns (signalen)."""
