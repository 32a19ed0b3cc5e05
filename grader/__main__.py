"""`python -m grader` runs the grader command."""
from grader.cli import main

main()
