"""``ledger_post``: the ledger's hot path as one PostgreSQL function (decision 033).

It applies, in the database and in one round trip, the same checks in the same order as
``services._post`` does on other databases: lock the accounts (in id order); every account
exists; money leaves only accounts the actor keeps; the idempotency key (the same request:
``already``; a different one: ``key_reused``); closed periods; floors; then it inserts the
transaction, its postings and the new balances. It returns what happened and the facts the
service needs to word a refusal; the words are the service's.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION ledger_post(
    p_key text, p_fingerprint text, p_kind text, p_description text, p_value_date date,
    p_posted_at timestamptz, p_actor_id bigint, p_actor_username text, p_reverses_id bigint,
    p_metadata jsonb, p_codes text[], p_amounts bigint[], p_keeps bigint[], p_keeps_all boolean
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
        IF p_amounts[i] < 0 AND NOT p_keeps_all AND acc.owner_id IS NOT NULL
           AND NOT (acc.owner_id = ANY(p_keeps)) THEN
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
                                    actor_id, actor_username, reverses_id, metadata)
        VALUES (p_key, p_fingerprint, p_kind, p_description, p_value_date, p_posted_at,
                p_actor_id, p_actor_username, p_reverses_id, p_metadata)
        ON CONFLICT (key) DO NOTHING RETURNING id INTO new_id;
    IF new_id IS NULL THEN  -- a writer on other accounts committed the same key meanwhile
        SELECT t.id, t.fingerprint INTO old FROM ledger_transaction t WHERE t.key = p_key;
        RETURN QUERY SELECT CASE WHEN old.fingerprint = p_fingerprint THEN 'already'
            ELSE 'key_reused' END::text, old.id, NULL::integer, NULL::text, NULL::text,
            NULL::bigint, NULL::bigint, NULL::date;
        RETURN;
    END IF;
    INSERT INTO ledger_posting (transaction_id, account_id, amount_pence)
        SELECT new_id, a.id, u.amount
        FROM unnest(p_codes, p_amounts) WITH ORDINALITY AS u(code, amount, ord)
        JOIN ledger_account a ON a.code = u.code ORDER BY u.ord;
    UPDATE ledger_account a SET balance_pence = a.balance_pence + u.amount
        FROM unnest(p_codes, p_amounts) AS u(code, amount) WHERE a.code = u.code;
    RETURN QUERY SELECT 'posted'::text, new_id, NULL::integer, NULL::text, NULL::text,
        NULL::bigint, NULL::bigint, NULL::date;
END;
$$;
"""
DROP = "DROP FUNCTION IF EXISTS ledger_post(text, text, text, text, date, timestamptz, bigint, " \
       "text, bigint, jsonb, text[], bigint[], bigint[], boolean);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_append_only_journal")]
    operations = [migrations.RunPython(create, drop)]
