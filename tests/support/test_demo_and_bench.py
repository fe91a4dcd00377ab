import io

import pytest
from django.db.models import F
from django.urls import reverse

from apps.devdata.bench import support as bench
from apps.devdata.demo import support as demo
from apps.support.models import OPEN_STATUSES, MemberSkill, Reply, RequestEvent, Status, SupportRequest

pytestmark = pytest.mark.django_db


def test_demo_has_every_status_history_and_a_few_breaches(client_for):
    from apps.devdata.demo import accounts as accounts_demo

    accounts_demo.seed(io.StringIO())
    out = io.StringIO()
    demo.seed(out)
    assert "120 requests" in out.getvalue()
    requests = SupportRequest.objects.all()
    assert requests.count() == demo.REQUEST_COUNT
    assert set(requests.values_list("status", flat=True)) == set(Status.values)
    assert Reply.objects.filter(internal=True).exists() and Reply.objects.filter(internal=False).count() > 200
    assert requests.exclude(rating=None).count() > 30
    late = requests.filter(resolved_at__gt=F("resolution_due_at")).count()
    assert 0 < late < requests.exclude(resolved_at=None).count() / 4  # a few, not most
    # 18 months of history, timestamps in the past and in order.
    first, last = requests.order_by("created_at").first(), requests.order_by("created_at").last()
    assert (last.created_at - first.created_at).days > 500
    for request in requests.filter(status=Status.CLOSED)[:20]:
        times = list(request.events.order_by("id").values_list("created_at", flat=True))
        assert times == sorted(times) and times[0] == request.created_at
    assert MemberSkill.objects.count() >= 8
    # Idempotent.
    again = io.StringIO()
    demo.seed(again)
    assert SupportRequest.objects.count() == demo.REQUEST_COUNT and "already present" in again.getvalue()
    # The pages show it.
    from apps.accounts.models import User

    coe = User.objects.filter(groups__name="coe").order_by("username").first()
    client = client_for(coe)
    assert client.get(reverse("support:queue")).status_code == 200
    assert client.get(reverse("support:detail", args=[last.pk])).status_code == 200


def test_bench_seed_sizes_backlog_and_pages(client_for):
    from apps.devdata.bench import accounts as accounts_bench

    accounts_bench.seed(sizes={"departments": 40, "users": 400}, stdout=io.StringIO())
    out = io.StringIO()
    bench.seed(sizes={"requests": 600}, stdout=out)
    assert bench.counts() == {"requests": 600}
    assert Reply.objects.count() == 600 * bench.REPLIES_PER_REQUEST
    assert RequestEvent.objects.filter(action="created").count() == 600
    assert SupportRequest.objects.filter(status__in=OPEN_STATUSES).count() == bench.OPEN_BACKLOG
    bench_user = bench._bench_user()
    assert SupportRequest.objects.filter(requester=bench_user).count() == bench.MY_REQUESTS
    assert not SupportRequest.objects.filter(due_at__isnull=True).exists()
    client = client_for(bench_user)
    for url in (reverse("support:queue"), reverse("support:my_requests"), bench.sample_request_path()):
        assert client.get(url).status_code == 200, url
