"""Parsers of the source file formats (one module per format); each returns numpy arrays."""
