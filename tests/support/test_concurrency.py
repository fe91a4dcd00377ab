"""Two COE members change the same request at the same moment, on real parallel connections
(PostgreSQL's row lock; SQLite's immediate transactions let one writer in at a time): one
wins, the other gets a clear conflict message, and the history holds both attempts with
their outcomes."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.support import services
from apps.support.models import Kind, RequestEvent, Status, SupportRequest
from apps.support.services import SupportConflict
from tests.factories import UserFactory

ROUNDS = 12


def _race(attempts: list) -> list:
    """Run the callables at once (a barrier releases them together); return results or errors."""
    start = threading.Barrier(len(attempts))

    def run(attempt):
        start.wait()
        try:
            return attempt()
        except Exception as error:  # returned to the test, which asserts on it
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(run, attempts))


@pytest.fixture
def people(db):
    requester = UserFactory()
    return requester, UserFactory(roles=[Role.COE]), UserFactory(roles=[Role.COE])


@pytest.mark.django_db(transaction=True)
def test_two_coe_members_change_the_same_request_at_once(people):
    requester, alice, bob = people
    for round_number in range(ROUNDS):
        request = services.support_request_create(
            requester=requester, kind=Kind.TECHNICAL, title=f"同時 {round_number}", description="x"
        )
        request = services.support_request_transition(
            request_id=request.pk, actor=alice, to_status=Status.TRIAGED, expected_version=1
        )
        seen = request.version  # both opened the page at this version
        alice_user, bob_user = User.objects.get(pk=alice.pk), User.objects.get(pk=bob.pk)
        results = _race(
            [
                lambda r=request, u=alice_user, seen=seen: services.support_request_transition(
                    request_id=r.pk, actor=u, to_status=Status.IN_PROGRESS, expected_version=seen
                ),
                lambda r=request, u=bob_user, seen=seen: services.support_request_transition(
                    request_id=r.pk,
                    actor=u,
                    to_status=Status.WAITING,
                    comment="確認させてください",
                    expected_version=seen,
                ),
            ]
        )
        winners = [r for r in results if isinstance(r, SupportRequest)]
        losers = [r for r in results if isinstance(r, SupportConflict)]
        assert len(winners) == 1 and len(losers) == 1, results
        conflict = losers[0]
        winner = alice_user if winners[0].status == Status.IN_PROGRESS else bob_user
        # The loser is told who changed the request (in the active language).
        assert conflict.status == 409 and winner.get_full_name() in conflict.message
        final = SupportRequest.objects.get(pk=request.pk)
        assert final.version == seen + 1
        assert final.status == winners[0].status

        attempts = list(
            RequestEvent.objects.filter(request=request, action="transition", from_status=Status.TRIAGED).values_list(
                "actor_id", "to_status", "outcome"
            )
        )
        assert len(attempts) == 2, attempts
        applied = [a for a in attempts if a[2] == "applied"]
        refused = [a for a in attempts if a[2] == "conflict"]
        assert len(applied) == 1 and len(refused) == 1
        assert applied[0][1] == final.status
        # The loser's attempt is recorded as it was made: from what they saw, to what they wanted.
        assert refused[0][1] != final.status
        assert {applied[0][0], refused[0][0]} == {alice.pk, bob.pk}
        refused_event = RequestEvent.objects.get(request=request, outcome="conflict")
        assert refused_event.data["expected_version"] == seen
        assert refused_event.data["current_version"] == seen + 1
        # Only the winner's comment (if any) became a reply.
        assert final.replies.count() == (1 if final.status == Status.WAITING else 0)


@pytest.mark.django_db(transaction=True)
def test_triage_and_a_status_change_at_once(people):
    requester, alice, bob = people
    request = services.support_request_create(
        requester=requester, kind=Kind.DATA_ANALYSIS, title="同時", description="x"
    )
    results = _race(
        [
            lambda: services.support_request_triage(
                request_id=request.pk,
                actor=User.objects.get(pk=alice.pk),
                assignee=User.objects.get(pk=alice.pk),
                priority=3,
                expected_version=1,
            ),
            lambda: services.support_request_transition(
                request_id=request.pk,
                actor=User.objects.get(pk=bob.pk),
                to_status=Status.RESOLVED,
                comment="すぐ解決できました",
                expected_version=1,
            ),
        ]
    )
    assert sum(isinstance(r, SupportRequest) for r in results) == 1
    assert sum(isinstance(r, SupportConflict) for r in results) == 1
    assert RequestEvent.objects.filter(request=request, outcome="conflict").count() == 1
    final = SupportRequest.objects.get(pk=request.pk)
    assert final.version == 2
