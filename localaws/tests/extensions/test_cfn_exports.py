"""The export registry follows the stacks; ListImports works; exports in use are kept."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

EXPORTER = """
Parameters:
  Stage: {Type: String, Default: dev}
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  TopicArn:
    Value: !Ref Topic
    Export: {Name: !Sub "purposepath-alarm-topic-arn-${Stage}"}
  TopicName:
    Value: !GetAtt Topic.TopicName
    Export: {Name: !Sub "purposepath-alarm-topic-name-${Stage}"}
"""

IMPORTER = """
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub
        - "${Topic}-queue"
        - Topic: !ImportValue purposepath-alarm-topic-name-dev
"""


def export_names(client: Any) -> list[str]:
    return sorted(export["Name"] for export in client.list_exports()["Exports"])


def test_exports_are_re_registered_after_an_update(change_sets: Any) -> None:
    change_sets.deploy("shared", EXPORTER)
    renamed = EXPORTER.replace("purposepath-alarm-topic-arn-", "purposepath-alerts-topic-arn-")

    change_sets.deploy("shared", renamed)

    assert export_names(change_sets.client) == [
        "purposepath-alarm-topic-name-dev",
        "purposepath-alerts-topic-arn-dev",
    ]


def test_exports_are_removed_when_the_stack_is_deleted(change_sets: Any) -> None:
    change_sets.deploy("shared", EXPORTER)

    change_sets.client.delete_stack(StackName="shared")

    assert export_names(change_sets.client) == []


def test_list_imports_names_the_importing_stacks(change_sets: Any) -> None:
    change_sets.deploy("shared", EXPORTER)
    change_sets.deploy("service", IMPORTER)

    imports = change_sets.client.list_imports(ExportName="purposepath-alarm-topic-name-dev")

    assert imports["Imports"] == ["service"]


def test_list_imports_of_an_export_nobody_imports_is_aws_error(change_sets: Any) -> None:
    change_sets.deploy("shared", EXPORTER)

    with pytest.raises(ClientError) as error:
        change_sets.client.list_imports(ExportName="purposepath-alarm-topic-arn-dev")

    assert error.value.response["Error"]["Code"] == "ValidationError"
    assert error.value.response["Error"]["Message"] == (
        "Export 'purposepath-alarm-topic-arn-dev' is not imported by any stack."
    )


def test_an_imported_export_cannot_be_removed_by_an_update(change_sets: Any) -> None:
    change_sets.deploy("shared", EXPORTER)
    change_sets.deploy("service", IMPORTER)
    without_name = EXPORTER.split("  TopicName:", maxsplit=1)[0]

    stack = change_sets.execute(change_sets.create("shared", without_name))

    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"] == (
        "Export purposepath-alarm-topic-name-dev cannot be deleted as it is in use by service"
    )
    assert "purposepath-alarm-topic-name-dev" in export_names(change_sets.client)


def test_a_stack_whose_export_is_imported_cannot_be_deleted(change_sets: Any) -> None:
    change_sets.deploy("shared", EXPORTER)
    change_sets.deploy("service", IMPORTER)

    change_sets.client.delete_stack(StackName="shared")

    stack = change_sets.stack("shared")
    assert stack["StackStatus"] == "DELETE_FAILED"
    assert "is in use by service" in stack["StackStatusReason"]
    assert len(export_names(change_sets.client)) == 2


def test_an_export_name_another_stack_exports_rolls_the_create_back(change_sets: Any) -> None:
    change_sets.deploy("shared", EXPORTER)

    stack = change_sets.execute(change_sets.create("copy", EXPORTER))

    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"] == (
        "Export with name purposepath-alarm-topic-arn-dev is already exported by stack shared"
    )
    exporters = {
        e["ExportingStackId"].split("/")[1] for e in change_sets.client.list_exports()["Exports"]
    }
    assert exporters == {"shared"}
