"""Composition root for `invoke`: assembles the task modules into one Collection, nothing else."""

from invoke.collection import Collection

from ppdeploy.tasks import deploy, local, ops, services, shared

namespace = Collection()
for task_body in (
    shared.deploy_shared,
    deploy.deploy,
    deploy.plan,
    services.build,
    ops.status,
    ops.exports,
    ops.outputs,
    ops.events,
    ops.logs,
):
    namespace.add_task(task_body)
namespace.add_collection(Collection.from_module(local), name="local")
