"""Batch grading: a class of submissions (a folder of folders, or a CSV roster of repositories)
graded in one run into a gradebook, feedback files and an HTML report."""
