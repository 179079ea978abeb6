"""Figures and stories for the municipality (tellen én vertellen), and their exports."""
