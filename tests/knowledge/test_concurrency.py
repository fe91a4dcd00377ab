"""Two editors saving the same article at the same moment, each on its own database
connection: exactly one save wins, the other is refused with the winner's change, and
nothing is half-written. Runs on SQLite (a file database shared by the threads) and on
PostgreSQL (where the loser waits for the winner's row lock, then finds the version moved)."""

import threading

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.knowledge import services
from apps.knowledge.models import Article, ArticleRevision

ROUNDS = 5


def save_in_thread(*, article_id, actor_id, expected_version, body, barrier, results):
    from apps.accounts.models import User

    try:
        article = Article.objects.get(pk=article_id)
        actor = User.objects.get(pk=actor_id)
        barrier.wait(timeout=10)
        services.article_update(
            article=article,
            actor=actor,
            expected_version=expected_version,
            title=article.title,
            body=body,
            category=None,
            tags=[],
            review_by=None,
        )
        results.append(("saved", body))
    except services.ArticleEditConflict as conflict:
        results.append(("conflict", conflict.current.body))
    except Exception as exc:  # reported by the test, not swallowed
        results.append(("error", repr(exc)))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_parallel_saves_one_wins_the_other_sees_the_change(user_factory, article_factory):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] in ("", ":memory:"):
        pytest.skip("threads need a file database to share")
    alice, bob = user_factory(roles=[Role.COE]), user_factory(roles=[Role.COE])
    article = article_factory(owner=alice)
    for round_number in range(ROUNDS):
        version = Article.objects.get(pk=article.pk).version
        barrier, results = threading.Barrier(2), []
        threads = [
            threading.Thread(
                target=save_in_thread,
                kwargs={
                    "article_id": article.pk,
                    "actor_id": user.pk,
                    "expected_version": version,
                    "body": f"{user.username} の版 {round_number}",
                    "barrier": barrier,
                    "results": results,
                },
            )
            for user in (alice, bob)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(kind for kind, _ in results) == ["conflict", "saved"], results
        winner = next(body for kind, body in results if kind == "saved")
        shown_to_loser = next(body for kind, body in results if kind == "conflict")
        assert shown_to_loser == winner  # the loser is shown exactly what won
        current = Article.objects.get(pk=article.pk)
        assert current.version == version + 1 and current.body == winner
        assert ArticleRevision.objects.filter(article=article).count() == version + 1
