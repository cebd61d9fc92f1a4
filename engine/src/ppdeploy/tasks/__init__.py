"""Invoke task modules: parse flags, pick a view, call one workflow, turn its errors into exits.

They decide nothing; the root ``tasks.py`` only assembles them into a Collection. Each
task imports the engine inside its body, so loading the collection (every command does)
loads neither botocore, rich nor the local AWS; ``tests/unit/test_tasks_stay_light.py``
holds that.
"""
