"""A short scenario through a client generated, unedited, from the served
OpenAPI document by openapi-python-client: sign in, create a customer, get a
typed 409 for its duplicate, list, read, open a deal and move it.

Run by scripts/client-check.sh with the generated package `crm_client` on
PYTHONPATH: python scenario.py <base url> <admin e-mail> <admin password>
"""

import sys

from crm_client import AuthenticatedClient, Client
from crm_client.api.auth import login
from crm_client.api.customers import create_customer, get_customer, list_customers
from crm_client.api.opportunities import (
    create_opportunity,
    get_opportunity,
    list_pipelines,
    transition_opportunity,
)
from crm_client.models import (
    CreateCustomer,
    CreateOpportunity,
    CreatedCustomer,
    CustomerDto,
    CustomerPage,
    ErrorCode,
    LoginRequest,
    Money,
    OpportunityDto,
    Problem,
    TokenPair,
    Transition,
)


def expect(response, status, kind):
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert isinstance(response.parsed, kind), (type(response.parsed), response.content[:500])
    return response.parsed


def main(base_url: str, email: str, password: str) -> None:
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    tokens = expect(
        login.sync_detailed(client=anonymous, body=LoginRequest(email=email, password=password)),
        200,
        TokenPair,
    )
    client = AuthenticatedClient(base_url=base_url, token=tokens.access_token, raise_on_unexpected_status=True)

    created = expect(
        create_customer.sync_detailed(client=client, body=CreateCustomer(name="上海生成客户端科技有限公司")),
        201,
        CreatedCustomer,
    )
    # the same company, written differently: a typed 409 naming the existing customer
    duplicate = expect(
        create_customer.sync_detailed(client=client, body=CreateCustomer(name=" 上海生成客户端科技有限公司 ")),
        409,
        Problem,
    )
    assert duplicate.code == ErrorCode.CUSTOMER_EXISTS, duplicate.code
    assert duplicate.context is not None and duplicate.context["existing"]["id"] == created.id, duplicate.context

    page = expect(list_customers.sync_detailed(client=client, q="生成客户端"), 200, CustomerPage)
    assert [c.id for c in page.data] == [created.id], page.data
    read = expect(get_customer.sync_detailed(created.id, client=client), 200, CustomerDto)
    assert read.name == created.name

    pipelines = list_pipelines.sync_detailed(client=client)
    assert pipelines.status_code == 200 and isinstance(pipelines.parsed, list), pipelines.content[:500]
    pipeline = next(p for p in pipelines.parsed if p.is_default)
    stages = sorted(pipeline.stages, key=lambda s: s.position)
    deal = expect(
        create_opportunity.sync_detailed(
            client=client,
            body=CreateOpportunity(
                customer_id=created.id,
                title="首批采购",
                amount=Money(amount=12_000_00, currency="CNY"),
            ),
        ),
        201,
        OpportunityDto,
    )
    assert deal.stage_id == stages[0].id, (deal.stage_id, stages[0].id)
    moved = expect(
        transition_opportunity.sync_detailed(deal.id, client=client, body=Transition(to_stage_id=stages[1].id)),
        200,
        OpportunityDto,
    )
    assert moved.stage_id == stages[1].id
    again = expect(get_opportunity.sync_detailed(deal.id, client=client), 200, OpportunityDto)
    assert again.stage_id == stages[1].id
    print(f"client scenario: customer {created.id}, deal {deal.id} moved to stage {stages[1].name!r}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
