"""The runtime driver: the safety gate, the override file, the Compose CLI and the Docker
engine, HTTP through the frontend, the phases of the scenario, and progress on a terminal.
Only `grader check --runtime`, `grader run`, `grader clean` and batch runs import it."""
