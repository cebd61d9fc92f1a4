"""Stack events at resource level, as CloudFormation writes them.

moto records only the stack's own events and never a ClientRequestToken, so a deploy tool
cannot show which resource failed or why. Here every resource operation writes its
``*_IN_PROGRESS`` / ``*_COMPLETE`` / ``*_FAILED`` event with the resource's logical and
physical ids, type and reason, tagged with the token of the operation that caused it.
DescribeStackEvents already returns them newest first (moto reverses the list).
"""

from __future__ import annotations

from dataclasses import dataclass

from moto.cloudformation.models import Event, Stack

from pplocalaws.extensions import operations

STACK_TYPE = "AWS::CloudFormation::Stack"
USER_INITIATED = "User Initiated"


@dataclass(frozen=True)
class EventSink:
    """Writes the events of one stack operation (one ClientRequestToken)."""

    stack: Stack
    token: str | None = None

    def stack_event(self, status: str, reason: str | None = None) -> None:
        self._append(self.stack.name, self.stack.stack_id, STACK_TYPE, status, reason)

    def resource_event(
        self,
        logical_id: str,
        resource_type: str,
        status: str,
        *,
        physical_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        self._append(logical_id, physical_id or "", resource_type, status, reason)

    def _append(
        self,
        logical_id: str,
        physical_id: str,
        resource_type: str,
        status: str,
        reason: str | None,
    ) -> None:
        event = Event(
            stack_id=self.stack.stack_id,
            stack_name=self.stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id,
            resource_type=resource_type,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
        # moto declares the token as always None; CloudFormation copies the request's.
        event.client_request_token = self.token  # type: ignore[assignment]
        # Same notification moto sends for its stack events (NotificationARNs topics).
        event.sendToSns(self.stack.account_id, self.stack.region_name, self.stack.notification_arns)
        self.stack.events.append(event)
        # A resource event is a step a client can see: let DescribeStacks and other
        # stacks' operations in here (only inside a background stack operation).
        operations.checkpoint()
