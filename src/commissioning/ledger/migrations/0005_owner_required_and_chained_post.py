"""Every account has an owner (0004 gave the ownerless ones theirs); ``ledger_post`` records
the transaction's authority, draws only on the accounts the actor keeps or a service named,
and links each posting into its account's hash chain; and an account's chain head only moves
forward, below the ORM (decision 039)."""

import django.db.models.deletion
from django.db import migrations, models

DROP_OLD = (
    "DROP FUNCTION IF EXISTS ledger_post(text, text, text, text, date, timestamptz, bigint, "
    "text, bigint, jsonb, text[], bigint[], bigint[], boolean);"
)
CREATE = r"""
CREATE OR REPLACE FUNCTION ledger_post(
    p_key text, p_fingerprint text, p_kind text, p_description text, p_value_date date,
    p_posted_at timestamptz, p_actor_id bigint, p_actor_username text, p_reverses_id bigint,
    p_metadata jsonb, p_codes text[], p_amounts bigint[], p_keeps bigint[], p_keeps_all boolean,
    p_grants text[], p_authority jsonb, p_digest text
) RETURNS TABLE(outcome text, tx_id bigint, leg integer, code text, name text,
                amount bigint, limit_pence bigint, closed_to date)
LANGUAGE plpgsql AS $$
DECLARE
    n integer := array_length(p_codes, 1);
    i integer;
    acc record;
    old record;
    new_id bigint;
BEGIN
    PERFORM 1 FROM ledger_account a WHERE a.code = ANY(p_codes) ORDER BY a.id FOR UPDATE;
    FOR i IN 1..n LOOP
        SELECT a.owner_id INTO acc FROM ledger_account a WHERE a.code = p_codes[i];
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'no_account'::text, NULL::bigint, i - 1, p_codes[i], NULL::text,
                NULL::bigint, NULL::bigint, NULL::date;
            RETURN;
        END IF;
        IF p_amounts[i] < 0 AND NOT p_keeps_all AND NOT (acc.owner_id = ANY(p_keeps))
           AND NOT (p_codes[i] = ANY(p_grants)) THEN
            RETURN QUERY SELECT 'forbidden'::text, NULL::bigint, i - 1, p_codes[i], NULL::text,
                NULL::bigint, NULL::bigint, NULL::date;
            RETURN;
        END IF;
    END LOOP;
    SELECT t.id, t.fingerprint INTO old FROM ledger_transaction t WHERE t.key = p_key;
    IF FOUND THEN
        RETURN QUERY SELECT CASE WHEN old.fingerprint = p_fingerprint THEN 'already'
            ELSE 'key_reused' END::text, old.id, NULL::integer, NULL::text, NULL::text,
            NULL::bigint, NULL::bigint, NULL::date;
        RETURN;
    END IF;
    FOR i IN 1..n LOOP
        SELECT MAX(s.period_end) AS closed INTO acc FROM ledger_statement s
            JOIN ledger_account a ON a.id = s.account_id WHERE a.code = p_codes[i];
        IF acc.closed IS NOT NULL AND acc.closed >= p_value_date THEN
            RETURN QUERY SELECT 'closed'::text, NULL::bigint, i - 1, p_codes[i], NULL::text,
                NULL::bigint, NULL::bigint, acc.closed;
            RETURN;
        END IF;
    END LOOP;
    FOR i IN 1..n LOOP
        SELECT a.name, a.floor_pence, a.balance_pence INTO acc
            FROM ledger_account a WHERE a.code = p_codes[i];
        IF p_amounts[i] < 0 AND acc.floor_pence IS NOT NULL
           AND acc.balance_pence + p_amounts[i] < acc.floor_pence THEN
            RETURN QUERY SELECT 'below_floor'::text, NULL::bigint, i - 1, p_codes[i], acc.name::text,
                acc.balance_pence + p_amounts[i], acc.floor_pence, NULL::date;
            RETURN;
        END IF;
    END LOOP;
    INSERT INTO ledger_transaction (key, fingerprint, kind, description, value_date, posted_at,
                                    actor_id, actor_username, reverses_id, metadata, authority,
                                    digest)
        VALUES (p_key, p_fingerprint, p_kind, p_description, p_value_date, p_posted_at,
                p_actor_id, p_actor_username, p_reverses_id, p_metadata, p_authority, p_digest)
        ON CONFLICT (key) DO NOTHING RETURNING id INTO new_id;
    IF new_id IS NULL THEN  -- a writer on other accounts committed the same key meanwhile
        SELECT t.id, t.fingerprint INTO old FROM ledger_transaction t WHERE t.key = p_key;
        RETURN QUERY SELECT CASE WHEN old.fingerprint = p_fingerprint THEN 'already'
            ELSE 'key_reused' END::text, old.id, NULL::integer, NULL::text, NULL::text,
            NULL::bigint, NULL::bigint, NULL::date;
        RETURN;
    END IF;
    -- Each leg in order: the account's new balance and chain head (the link is the text
    -- prev|digest|account id|pence|seq, as rules.posting_link hashes it), then the posting.
    FOR i IN 1..n LOOP
        UPDATE ledger_account a SET
            balance_pence = a.balance_pence + p_amounts[i],
            chain_seq = a.chain_seq + 1,
            chain_hash = encode(sha256(convert_to(a.chain_hash || '|' || p_digest || '|' ||
                a.id || '|' || p_amounts[i] || '|' || (a.chain_seq + 1), 'UTF8')), 'hex')
            WHERE a.code = p_codes[i]
            RETURNING a.id, a.chain_seq, a.chain_hash INTO acc;
        INSERT INTO ledger_posting (transaction_id, account_id, amount_pence, seq, chain)
            VALUES (new_id, acc.id, p_amounts[i], acc.chain_seq, acc.chain_hash);
    END LOOP;
    RETURN QUERY SELECT 'posted'::text, new_id, NULL::integer, NULL::text, NULL::text,
        NULL::bigint, NULL::bigint, NULL::date;
END;
$$;
"""
DROP_NEW = (
    "DROP FUNCTION IF EXISTS ledger_post(text, text, text, text, date, timestamptz, bigint, "
    "text, bigint, jsonb, text[], bigint[], bigint[], boolean, text[], jsonb, text);"
)
FORWARD_ONLY = "an account's hash chain head only moves forward"
PG_TRIGGER = f"""
CREATE OR REPLACE FUNCTION ledger_chain_forward() RETURNS trigger AS $$
BEGIN
    IF NEW.chain_seq < OLD.chain_seq
       OR (NEW.chain_seq = OLD.chain_seq AND NEW.chain_hash <> OLD.chain_hash) THEN
        RAISE EXCEPTION '{FORWARD_ONLY.replace("'", "''")}';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_account_chain_forward BEFORE UPDATE ON ledger_account FOR EACH ROW
    EXECUTE FUNCTION ledger_chain_forward();
"""
PG_TRIGGER_DROP = (
    "DROP TRIGGER IF EXISTS ledger_account_chain_forward ON ledger_account; "
    "DROP FUNCTION IF EXISTS ledger_chain_forward();"
)
SQLITE_TRIGGER = (
    "CREATE TRIGGER ledger_account_chain_forward BEFORE UPDATE ON ledger_account "
    "WHEN NEW.chain_seq < OLD.chain_seq "
    "OR (NEW.chain_seq = OLD.chain_seq AND NEW.chain_hash <> OLD.chain_hash) "
    f"BEGIN SELECT RAISE(ABORT, '{FORWARD_ONLY.replace(chr(39), chr(39) * 2)}'); END;"
)
SQLITE_TRIGGER_DROP = "DROP TRIGGER IF EXISTS ledger_account_chain_forward;"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(DROP_OLD)
        schema_editor.execute(CREATE)
        schema_editor.execute(PG_TRIGGER)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_TRIGGER_DROP)
        schema_editor.execute(DROP_NEW)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER_DROP)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_chains_and_owners")]
    operations = [
        migrations.AlterField(
            model_name="account",
            name="owner",
            field=models.ForeignKey(
                help_text="The organisation accountable for it: only its finance leads draw on it",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ledger_accounts",
                to="organisations.organisation",
            ),
        ),
        migrations.RunPython(create, drop),
    ]
