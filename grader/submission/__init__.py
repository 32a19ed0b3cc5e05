"""Reading a submission safely: the root jail, size caps, encodings, and the file formats'
own syntax (YAML with lines, Dockerfile instructions). Imports nothing else of ours but errors."""
