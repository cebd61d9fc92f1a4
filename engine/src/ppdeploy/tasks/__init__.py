"""Invoke task modules: parse flags, pick a view, call one workflow, turn its errors into exits.

They decide nothing; the root ``tasks.py`` only assembles them into a Collection. Each
task imports the engine inside its body, so loading the collection (every command does)
loads neither botocore, rich nor the local AWS; ``tests/unit/test_tasks_stay_light.py``
holds that.

Invoke turns off writing bytecode before it loads the tasks (its ``--write-pyc`` flag, off
by default), so every module loaded after that, the whole engine on a deploy, would be
compiled from source on every command: some 0.1-0.2 s of a no-op deploy. Loading this
package gives the choice back to the interpreter's own setting (``-B`` or
``PYTHONDONTWRITEBYTECODE`` still turn it off), so the engine's bytecode is written once
and read afterwards, as in any other Python program.
"""

import sys

sys.dont_write_bytecode = bool(sys.flags.dont_write_bytecode)
