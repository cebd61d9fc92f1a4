"""Composition root for `invoke`: assembles the task modules into one Collection, nothing else."""

from invoke.collection import Collection

from ppdeploy.tasks import (
    bootstrap,
    cost,
    deploy,
    drift,
    keys,
    local,
    mail,
    migrate,
    ops,
    services,
    shared,
    system,
)

namespace = Collection(
    bootstrap.bootstrap,
    shared.deploy_shared,
    deploy.deploy,
    deploy.plan,
    cost.cost,
    deploy.switch_runtime,
    migrate.migrate,
    keys.rotate_signing_key,
    services.build,
    system.up,
    system.down,
    system.verify,
    mail.outbox,
    ops.status,
    ops.exports,
    ops.outputs,
    ops.events,
    ops.logs,
    ops.delete_stack,
    ops.recover,
    drift.drift,
)
namespace.add_collection(Collection.from_module(local), name="local")
