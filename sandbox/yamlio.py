"""YAML reading for awslab's own files (the text catalog, scenario.yaml)."""

import yaml

# libyaml's safe loader when present (several times faster), else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError


def safe_load(text: str):
    return yaml.load(text, Loader=_LOADER)
