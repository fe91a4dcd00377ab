from celery import shared_task

from apps.knowledge import services


@shared_task(acks_late=True, ignore_result=True)
def knowledge_remind_stale_articles() -> int:
    """Beat job: remind owners of published articles past their review-by date. Running it
    twice (a retry, two beat processes) reminds nobody twice: see articles_stale_remind."""
    return services.articles_stale_remind()
