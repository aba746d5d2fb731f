"""Answers the Python version it runs on, named as the runtime that asks for it (python3.X)."""
import sys


def handler(event, context):
    return {"version": f"python{sys.version_info.major}.{sys.version_info.minor}"}
