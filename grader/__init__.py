"""workshop-grader: grades a learner's Docker workshop step, statically and at run time."""

__version__ = "0.1.0"
