"""Shared by this scenario's variants (the leading _ keeps it out of the variant list)."""


def replace_named_query(learner, sql: str) -> None:
    """The reference build, with the learner's own text for the named query."""
    athena = learner.client("athena")
    for query_id in athena.list_named_queries()["NamedQueryIds"]:
        if athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]["Name"] == learner.names["named_query"]:
            athena.delete_named_query(NamedQueryId=query_id)
    athena.create_named_query(Name=learner.names["named_query"], Database="default",
                              QueryString=sql.format(table=learner.names["table"]))
