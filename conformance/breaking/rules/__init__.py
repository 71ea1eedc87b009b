"""The rule families, one module each: the checks a rule of the table (registry.py) runs on the
pairs the walk hands it. A check yields one message per change it finds."""
