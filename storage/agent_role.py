"""The privileges of an agent's own PostgreSQL role: what the write path needs, nothing more.

An agent (``python -m app agent``) that leaves alerts and the history job to the dashboard
(``MONITOR_ALERTS_ENABLED=false``, no ``--maintenance``) only writes samples: it reads and adds
host and layout ids, updates its host's record, inserts samples (``RETURNING`` the keys stored,
and on a collision reading the stored rows of those keys: ``storage.collisions``) and process
snapshots, reads the history blocks and snapshot blocks that may hold a batch's times (a late
sample is never stored beside its block: ``storage.collisions``, ``storage.snapshot_keys``),
and NOTIFYs (which needs no privilege). Found by running the write path under a role
with these grants alone (tests/storage/test_agent_role.py). The tables are created by the
dashboard's role (their owner); an agent's role creates nothing.

PostgreSQL grants by table, not by row: this role may write any host's rows. Keeping each agent
to its own host would take row-level security with one role per host (and, behind PgBouncer, one
pool per role); it is not done here.
"""

from __future__ import annotations

from storage.schema import blocks, hosts, layouts, process_snapshots, samples, snapshot_blocks

# Table -> privileges the agent's write path uses on it.
AGENT_TABLE_PRIVILEGES: dict[str, str] = {
    hosts.name: "SELECT, INSERT, UPDATE",
    layouts.name: "SELECT, INSERT",
    samples.name: "SELECT, INSERT",
    process_snapshots.name: "INSERT",
    blocks.name: "SELECT",
    snapshot_blocks.name: "SELECT",
}
AGENT_SEQUENCES = (f"{hosts.name}_id_seq", f"{layouts.name}_id_seq")


def agent_grants(role: str, database: str, schema: str = "public") -> list[str]:
    """The SQL statements that give ``role`` (an existing role) what an agent needs in
    ``database`` and ``schema``, to be run by the tables' owner."""
    statements = [
        f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"',
        f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
    ]
    for table, privileges in AGENT_TABLE_PRIVILEGES.items():
        statements.append(f'GRANT {privileges} ON "{schema}".{table} TO "{role}"')
    sequences = ", ".join(f'"{schema}".{name}' for name in AGENT_SEQUENCES)
    statements.append(f'GRANT USAGE ON SEQUENCE {sequences} TO "{role}"')
    return statements
