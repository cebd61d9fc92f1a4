"""Composition root for `invoke`: assembles the task modules into one Collection, nothing else."""

from invoke.collection import Collection

from ppdeploy.tasks import local, shared

namespace = Collection()
namespace.add_task(shared.deploy_shared)  # type: ignore[arg-type]
namespace.add_collection(Collection.from_module(local), name="local")
namespace.configure({"run": {"echo": True}})
