"""Composition root for `invoke`: assembles the task modules into one Collection, nothing else."""

from invoke.collection import Collection

from ppdeploy.tasks import local, services, shared

namespace = Collection()
namespace.add_task(shared.deploy_shared)
namespace.add_task(services.build)
namespace.add_collection(Collection.from_module(local), name="local")
namespace.configure({"run": {"echo": True}})
