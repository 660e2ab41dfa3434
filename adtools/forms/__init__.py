"""The standard forms: one schema each (catalog), and the template, reader, validator and feedback built on it."""
