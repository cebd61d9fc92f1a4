"""Invoke task modules: parse flags, call the engine, turn its errors into exits.

They decide nothing; the root ``tasks.py`` only assembles them into a Collection.
"""
