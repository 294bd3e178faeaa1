-- Redshift's shape, part 3 of 4: models, as procedures the front's CALLs run as the calling user.

CREATE FUNCTION mlsim.model_fn(schema_name text, model_name text) RETURNS regprocedure
LANGUAGE plpgsql STABLE AS $$
DECLARE
    f oid;
BEGIN
    SELECT r.fn INTO f FROM mlsim.model_registry r JOIN pg_proc p ON p.oid = r.fn
    WHERE r.schema_name = coalesce(model_fn.schema_name, current_schema())
      AND r.model_name = model_fn.model_name;
    IF f IS NULL THEN
        RAISE EXCEPTION 'model "%" does not exist',
            coalesce(model_fn.schema_name || '.', '') || model_fn.model_name
            USING ERRCODE = '42704';
    END IF;
    RETURN f::regprocedure;
END
$$;

-- GRANT / REVOKE { EXECUTE | ALL } ON MODEL s.m, ... TO|FROM grantees. Whether Redshift accepts
-- a grant on a model that is still training or has failed is undocumented (DG r_GRANT,
-- r_create_model_usage_notes): accepted here, whatever the model's state.
-- A user who may run the model but holds no grant option, owns it not and is no superuser gets
-- what PostgreSQL gives for any object (aclchk.c, restrict_and_check_grant): the statement
-- succeeds, changes nothing and warns once per model, 'no privileges were granted for "m"'
-- (SQLSTATE 01007) or 'no privileges could be revoked for "m"' (01006); a user with no
-- privilege on the model at all gets an error.
CREATE PROCEDURE mlsim.grant_model(is_grant boolean, schemas text[], models text[],
                                   grantees text[], grant_option boolean)
LANGUAGE plpgsql AS $$
DECLARE
    su boolean := mlsim.is_superuser();
    m record;
    g text;
    fns text[] := '{}';
    targets text[] := '{}';
BEGIN
    -- Every model of the list looked up in one query, in the list's order (as mlsim.model_fn
    -- would, one by one).
    FOR m IN
        SELECT u.s, u.name, r.fn, p.proowner
        FROM unnest(schemas, models) WITH ORDINALITY AS u(s, name, n)
        LEFT JOIN mlsim.model_registry r
               ON r.schema_name = coalesce(u.s, current_schema()) AND r.model_name = u.name
        LEFT JOIN pg_proc p ON p.oid = r.fn
        ORDER BY u.n
    LOOP
        IF m.proowner IS NULL THEN
            RAISE EXCEPTION 'model "%" does not exist', coalesce(m.s || '.', '') || m.name
                USING ERRCODE = '42704';
        END IF;
        IF NOT (su
                OR pg_has_role(current_user, m.proowner, 'USAGE')
                OR has_function_privilege(current_user, m.fn, 'EXECUTE WITH GRANT OPTION')) THEN
            IF NOT has_function_privilege(current_user, m.fn, 'EXECUTE') THEN
                RAISE EXCEPTION 'permission denied for model %',
                    coalesce(m.s || '.', '') || m.name USING ERRCODE = '42501';
            ELSIF is_grant THEN
                RAISE WARNING 'no privileges were granted for "%"', m.name
                    USING ERRCODE = '01007';
            ELSE
                RAISE WARNING 'no privileges could be revoked for "%"', m.name
                    USING ERRCODE = '01006';
            END IF;
            CONTINUE;
        END IF;
        fns := fns || m.fn::regprocedure::text;
    END LOOP;
    FOREACH g IN ARRAY grantees LOOP
        PERFORM mlsim.not_reserved(g, mlsim.grant_action(is_grant));
        targets := targets || mlsim.grantee_sql(g);
    END LOOP;
    IF array_length(fns, 1) IS NULL OR array_length(targets, 1) IS NULL THEN
        RETURN;
    END IF;
    -- One statement for the whole list, as PostgreSQL takes it (and as the list form is one
    -- statement on Redshift).
    IF is_grant THEN
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s%s', array_to_string(fns, ', '),
                       array_to_string(targets, ', '),
                       CASE WHEN grant_option THEN ' WITH GRANT OPTION' ELSE '' END);
    ELSE
        EXECUTE format('REVOKE %sEXECUTE ON FUNCTION %s FROM %s',
                       CASE WHEN grant_option THEN 'GRANT OPTION FOR ' ELSE '' END,
                       array_to_string(fns, ', '), array_to_string(targets, ', '));
    END IF;
END
$$;

-- The prediction function's body calls this first. "While training is in progress, the
-- corresponding inference function is visible but can't be run" (DG r_create_model_usage_notes);
-- a failed model's cannot run either. Redshift's error text for it is undocumented.
CREATE FUNCTION mlsim.require_ready(schema_name text, model_name text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_state text;
BEGIN
    SELECT m.info ->> 'state' INTO v_state FROM mlsim.models m
    WHERE m.schema_name = require_ready.schema_name AND m.model_name = require_ready.model_name;
    IF v_state IS DISTINCT FROM 'Model is Ready' THEN
        RAISE EXCEPTION 'model "%.%" is not ready (model_state: %): its function cannot run',
            schema_name, model_name, coalesce(v_state, 'unknown') USING ERRCODE = '55000';
    END IF;
END
$$;

-- CREATE MODEL: the prediction function, created as the calling user (so CREATE MODEL, that is
-- USAGE on mlfunc, and CREATE on the schema are checked by PostgreSQL), with no PUBLIC execute.
-- Redshift returns while training goes on in SageMaker (DG r_create_model_usage_notes); the
-- simulator's training is instant, so a new model is 'Model is Ready' (DG r_SVV_ML_MODEL_INFO)
-- until mlsim.set_model_state says otherwise. iam_role comes from the front as the ARN, or
-- 'default-aws-iam-role' for IAM_ROLE default; the error is the one DG r_GRANT-usage-notes shows.
CREATE PROCEDURE mlsim.create_model(schema_name text, model_name text, function_name text,
                                    arg_types text[], returns text, iam_role text, info jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    s text := coalesce(schema_name, current_schema());
    args text;
    signature text;
BEGIN
    IF EXISTS (SELECT 1 FROM mlsim.model_registry r JOIN pg_proc p ON p.oid = r.fn
               WHERE r.schema_name = s AND r.model_name = create_model.model_name) THEN
        RAISE EXCEPTION 'model "%.%" already exists', s, model_name USING ERRCODE = '42710';
    END IF;
    IF NOT mlsim.is_superuser() AND NOT EXISTS (
        SELECT 1 FROM mlsim.iam_privileges p
        WHERE p.iam_arn IN (iam_role, 'ALL')
          AND p.command_type = 'CREATE MODEL'
          AND (p.identity_id = 0 OR pg_has_role(current_user, p.identity_id, 'MEMBER'))) THEN
        RAISE EXCEPTION 'User % does not have ASSUMEROLE permission on IAM role "%" for CREATE MODEL',
            current_user, iam_role USING ERRCODE = '42501';
    END IF;
    SELECT coalesce(string_agg(t::regtype::text, ', ' ORDER BY n), '') INTO args
    FROM unnest(arg_types) WITH ORDINALITY AS a(t, n);
    signature := format('%I.%I(%s)', s, function_name, args);
    EXECUTE format('CREATE FUNCTION %s RETURNS %s LANGUAGE mlfunc AS %L',
                   signature, returns::regtype,
                   format('BEGIN PERFORM mlsim.require_ready(%L, %L); RETURN NULL; END',
                          s, model_name));
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', signature);
    EXECUTE format('COMMENT ON FUNCTION %s IS %L', signature,
                   (info || jsonb_build_object('model', model_name, 'function', function_name,
                                               'iam_role', iam_role,
                                               'state', 'Model is Ready'))::text);
    DELETE FROM mlsim.model_registry r
    WHERE r.schema_name = s AND r.model_name = create_model.model_name;
    INSERT INTO mlsim.model_registry VALUES (s, model_name, signature::regprocedure::oid);
END
$$;

-- Simulator only, for tests: puts a model in another state, e.g. 'Train Model On SageMaker In
-- Progress' (a model still training, DG r_SVV_ML_MODEL_INFO) or 'Model Failed' (undocumented
-- wording; SHOW MODEL names the status FAILED, DG r_SHOW_MODEL), or back to 'Model is Ready'.
-- Any text up to 128 characters is taken, so that unknown states can be tried too.
CREATE PROCEDURE mlsim.set_model_state(schema_name text, model_name text, state text)
LANGUAGE plpgsql AS $$
DECLARE
    f regprocedure;
BEGIN
    PERFORM mlsim.require_superuser('set a model''s state');
    IF coalesce(length(state), 0) NOT BETWEEN 1 AND 128 THEN
        RAISE EXCEPTION 'a model state is 1 to 128 characters' USING ERRCODE = '22023';
    END IF;
    f := mlsim.model_fn(schema_name, model_name);
    EXECUTE format('COMMENT ON FUNCTION %s IS %L', f,
                   (coalesce(obj_description(f, 'pg_proc')::jsonb, '{}'::jsonb)
                    || jsonb_build_object('state', state))::text);
END
$$;

CREATE PROCEDURE mlsim.drop_model(schema_name text, model_name text, if_exists boolean)
LANGUAGE plpgsql AS $$
DECLARE
    f oid;
BEGIN
    SELECT r.fn INTO f FROM mlsim.model_registry r JOIN pg_proc p ON p.oid = r.fn
    WHERE r.schema_name = coalesce(drop_model.schema_name, current_schema())
      AND r.model_name = drop_model.model_name;
    IF f IS NULL AND if_exists THEN
        RAISE NOTICE 'model "%" does not exist, skipping', model_name;
        RETURN;
    END IF;
    EXECUTE format('DROP FUNCTION %s', mlsim.model_fn(schema_name, model_name));
    DELETE FROM mlsim.model_registry r
    WHERE r.schema_name = coalesce(drop_model.schema_name, current_schema())
      AND r.model_name = drop_model.model_name;
END
$$;

-- SHOW MODEL s.m (DG r_SHOW_MODEL): Key and Value rows, the keys the page shows. Model Type is
-- the kind the front recorded (auto, xgboost, mlp, linear_learner, kmeans, forecast,
-- byom_local, byom_remote, bedrock); the page's own examples write `auto` and `xgboost`. Anyone
-- who may see the model in svv_ml_model_info may show it.
CREATE FUNCTION mlsim.show_model(schema_name text, model_name text)
RETURNS TABLE (n int, key text, value text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    m record;
BEGIN
    SELECT * INTO m FROM mlsim.models r
    WHERE r.schema_name = show_model.schema_name AND r.model_name = show_model.model_name
      AND (mlsim.is_superuser() OR pg_has_role(current_user, r.owner, 'USAGE'));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%.%" does not exist', schema_name, model_name
            USING ERRCODE = '42704';
    END IF;
    RETURN QUERY VALUES
        (1, 'Model Name', m.model_name),
        (2, 'Schema Name', m.schema_name),
        (3, 'Owner', pg_get_userbyid(m.owner)::text),
        (4, 'Model State', m.info ->> 'state'),
        (5, 'Model Type', coalesce(m.info ->> 'kind', 'auto')),
        (6, 'Function Name', m.info ->> 'function'),
        (7, 'IAM Role', m.info ->> 'iam_role');
END
$$;
