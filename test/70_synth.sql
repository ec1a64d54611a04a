-- Synthetic data generator: who may run it, and what it promises (formats,
-- consistency of register and extracts, ground truth, error rates).
BEGIN;
SELECT plan(41);

CREATE ROLE tap_synth_steward LOGIN IN ROLE pseudolink_steward;
CREATE ROLE tap_synth_admin LOGIN IN ROLE pseudolink_admin;
CREATE ROLE tap_synth_registry LOGIN IN ROLE pseudolink_registry;
CREATE ROLE tap_synth_reviewer LOGIN IN ROLE pseudolink_reviewer;
CREATE ROLE tap_synth_researcher LOGIN IN ROLE pseudolink_researcher;

-- ---- privileges -------------------------------------------------------------
SELECT is(query_as('tap_synth_steward', 'SELECT count(*) FROM pseudolink.synth_persons(1, 100)'),
          ARRAY['(100)'], 'the steward generates persons');
SELECT is(query_as('tap_synth_steward',
                   'SELECT count(*) > 0 FROM pseudolink.synth_addresses(1, 100)'),
          ARRAY['(t)'], 'the steward generates address periods');
SELECT is(query_as('tap_synth_admin',
                   $$SELECT count(*) FROM pseudolink.synth_extract(1, 1000, 'PCI', 10)$$),
          ARRAY['(10)'], 'the admin generates a registry extract');
SELECT is(query_as('tap_synth_admin',
                   'SELECT count(*) > 0 FROM pseudolink.synth_postcodes(1, 1000)'),
          ARRAY['(t)'], 'the admin lists the postcodes');
SELECT throws_ok($$ SELECT run_as('tap_synth_registry', 'SELECT count(*) FROM pseudolink.synth_persons(1, 100)') $$,
                 '42501', NULL, 'a registry cannot generate persons');
SELECT throws_ok($$ SELECT run_as('tap_synth_registry', $q$SELECT count(*) FROM pseudolink.synth_extract(1, 100, 'PCI', 1)$q$) $$,
                 '42501', NULL, 'a registry cannot generate an extract');
SELECT throws_ok($$ SELECT run_as('tap_synth_reviewer', 'SELECT count(*) FROM pseudolink.synth_addresses(1, 100)') $$,
                 '42501', NULL, 'a reviewer cannot generate address periods');
SELECT throws_ok($$ SELECT run_as('tap_synth_researcher', 'SELECT count(*) FROM pseudolink.synth_postcodes(1, 100)') $$,
                 '42501', NULL, 'a researcher cannot list the postcodes');
SELECT is(
    (SELECT count(*)::int FROM pg_proc p, unnest(ARRAY['pseudolink_registry', 'pseudolink_reviewer',
                                                     'pseudolink_researcher', 'public']) r
     WHERE p.pronamespace = 'pseudolink'::regnamespace AND p.proname LIKE 'synth\_%'
       AND has_function_privilege(r, p.oid, 'EXECUTE')),
    0, 'no role but the steward and the admin may execute any synth_ function');
SELECT is(
    (SELECT count(*)::int FROM pg_proc
     WHERE pronamespace = 'pseudolink'::regnamespace AND proname LIKE 'synth\_%'
       AND provolatile = 'i' AND proparallel = 's' AND obj_description(oid, 'pg_proc') IS NOT NULL),
    4, 'the four generators are immutable, parallel safe and commented');

-- ---- a register of 100,000 persons and two extracts ---------------------------
CREATE TEMP TABLE p AS SELECT * FROM pseudolink.synth_persons(11, 100000);
CREATE TEMP TABLE a AS SELECT * FROM pseudolink.synth_addresses(11, 100000);
CREATE TEMP TABLE pc AS SELECT * FROM pseudolink.synth_postcodes(11, 100000);
CREATE TEMP TABLE x AS SELECT * FROM pseudolink.synth_extract(11, 100000, 'PCI', 100000);
CREATE TEMP TABLE t AS SELECT * FROM pseudolink.synth_extract(11, 100000, 'TAVI', 20000);
ANALYZE p, a, pc, x, t;

-- determinism
SELECT is((SELECT count(*)::int FROM (SELECT * FROM pseudolink.synth_extract(11, 100000, 'PCI', 100000)
                                      EXCEPT ALL SELECT * FROM x) d),
          0, 'the same seed gives the same records');
SELECT cmp_ok((SELECT count(*)::int FROM (SELECT * FROM pseudolink.synth_extract(12, 100000, 'PCI', 1000)
                                          INTERSECT SELECT * FROM x) d),
              '<', 10, 'another seed gives other records');
SELECT cmp_ok((SELECT count(*)::int FROM (SELECT * FROM pseudolink.synth_extract(11, 100000, 'PCI', 1000, batch => 2)
                                          INTERSECT SELECT * FROM x) d),
              '<', 10, 'another batch of the same registry gives other records');

-- persons
SELECT is((SELECT count(DISTINCT person_id)::int FROM p), 100000, 'person ids are unique');
SELECT is((SELECT count(*)::int FROM p
           WHERE sex NOT IN (1, 2) OR birth_date > '2024-01-01' OR birth_date <= '1918-01-01'),
          0, 'sex is 1 or 2 and every birth date lies in the 106 years before the register date');
SELECT is((SELECT count(*)::int FROM p p1 JOIN p p2 ON p2.person_id = p1.twin_person_id
           WHERE p2.twin_person_id IS DISTINCT FROM p1.person_id OR p2.birth_date <> p1.birth_date),
          0, 'twins are pairs with one birth date');
SELECT ok((SELECT (count(*) FILTER (WHERE twin_person_id IS NOT NULL) / 2.0)
                  / (count(*) - count(*) FILTER (WHERE twin_person_id IS NOT NULL) / 2.0)
           FROM p) BETWEEN 0.010 AND 0.018,
          'twin deliveries are 1.0-1.8% of deliveries');
SELECT ok((SELECT avg((p1.sex = p2.sex)::int) FROM p p1 JOIN p p2 ON p2.person_id = p1.twin_person_id)
          BETWEEN 0.63 AND 0.72, 'about 67.6% of twin pairs are same-sex');
SELECT is((SELECT count(*)::int FROM p p1 JOIN p p2 ON p2.person_id = p1.twin_person_id
           JOIN a a1 ON a1.person_id = p1.person_id AND a1.valid_to IS NULL
           JOIN a a2 ON a2.person_id = p2.person_id AND a2.valid_to IS NULL
           WHERE p1.birth_date > '2006-01-01'
             AND (a1.postcode, a1.house_number, a1.house_suffix)
                 IS DISTINCT FROM (a2.postcode, a2.house_number, a2.house_suffix)),
          0, 'twins under 18 live at one address');

-- postcodes
SELECT is((SELECT count(*)::int FROM pc
           WHERE postcode !~ '^[1-9][0-9]{3}[A-Z]{2}$' OR substr(postcode, 5) IN ('SA', 'SD', 'SS')
              OR postcode < '1011AA'),
          0, 'every postcode has the Dutch format, starts at 1011 AA and avoids SA, SD and SS');
SELECT is((SELECT count(DISTINCT postcode)::int FROM pc), (SELECT count(*)::int FROM pc),
          'every postcode is listed once');
SELECT ok((SELECT count(*) FROM pc WHERE successor IS NOT NULL) > 0
          AND NOT EXISTS (SELECT FROM pc o WHERE o.successor IS NOT NULL
                          AND NOT EXISTS (SELECT FROM pc n WHERE n.postcode = o.successor
                                          AND n.valid_from = o.valid_to)),
          'some postcodes change, and each successor code starts when the old one ends');

-- address periods
SELECT is((SELECT count(*)::int FROM a LEFT JOIN pc
             ON pc.postcode = a.postcode
            AND a.valid_from >= coalesce(pc.valid_from, '-infinity')
            AND coalesce(a.valid_to, 'infinity') <= coalesce(pc.valid_to, 'infinity')
           WHERE pc.postcode IS NULL),
          0, 'every address period uses a postcode valid throughout the period');
SELECT is((SELECT count(DISTINCT person_id)::int FROM a WHERE valid_to IS NULL), 100000,
          'everyone has exactly one current address');
SELECT is((SELECT count(*)::int FROM a WHERE valid_to IS NULL), 100000,
          'no one has two current addresses');
SELECT is((SELECT count(*)::int FROM (
               SELECT valid_to, lead(valid_from) OVER w AS next_from, valid_from,
                      row_number() OVER w AS n, person_id
               FROM a WINDOW w AS (PARTITION BY person_id ORDER BY valid_from)) s
           JOIN p USING (person_id)
           WHERE valid_to IS DISTINCT FROM next_from OR valid_from >= coalesce(valid_to, 'infinity')
              OR (n = 1 AND valid_from < birth_date)),
          0, 'periods follow each other without gaps or overlaps, from birth at the earliest');
SELECT is((SELECT count(*)::int FROM a WHERE house_number < 1 OR kind NOT IN ('home', 'care_home', 'student')
              OR reason NOT IN ('birth', 'move', 'postcode_change')),
          0, 'house numbers, kinds and reasons are valid');
SELECT ok((SELECT count(DISTINCT person_id)::numeric / (SELECT count(*) FROM p WHERE birth_date < '2022-07-01')
           FROM a WHERE reason = 'move' AND valid_from >= '2022-01-01' AND valid_from < '2023-01-01')
          BETWEEN 0.09 AND 0.13, 'about 11% of people move in a year');
SELECT ok((SELECT avg(date_part('year', age('2024-01-01', birth_date))) FROM a JOIN p USING (person_id)
           WHERE valid_to IS NULL AND kind = 'care_home') > 80,
          'care homes house the elderly');

-- extracts: formats
SELECT is((SELECT count(*)::int FROM x
           WHERE event_date !~ '^\d\d-\d\d-\d{4}$'
              OR to_char(to_date(event_date, 'DD-MM-YYYY'), 'DD-MM-YYYY') <> event_date
              OR (birth_date IS NOT NULL AND
                  (birth_date !~ '^\d\d-\d\d-\d{4}$'
                   OR to_char(to_date(birth_date, 'DD-MM-YYYY'), 'DD-MM-YYYY') <> birth_date))),
          0, 'event and birth dates are valid DD-MM-YYYY dates');
SELECT is((SELECT count(*)::int FROM x
           WHERE sex NOT IN ('1', '2', '-1')
              OR postcode !~ '^([1-9][0-9]{3} ?[A-Za-z]{2}|0000|-1)$'),
          0, 'sex is 1, 2 or -1 and the postcode is a Dutch postcode, 0000 or -1');

-- extracts: ground truth
CREATE TEMP TABLE xt AS
SELECT x.*, p.birth_date AS true_birth, p.sex AS true_sex, ad.postcode AS true_postcode,
       ad.house_number AS true_number, ad.house_suffix AS true_suffix
FROM x JOIN p ON p.person_id = x.true_person_id
JOIN a ad ON ad.person_id = x.true_person_id
 AND to_date(x.event_date, 'DD-MM-YYYY') >= ad.valid_from
 AND to_date(x.event_date, 'DD-MM-YYYY') < coalesce(ad.valid_to, 'infinity');
SELECT is((SELECT count(*)::int FROM xt), (SELECT count(*)::int FROM x WHERE true_person_id IS NOT NULL),
          'every linkable record has its person and one address at the event date');
SELECT is((SELECT count(*)::int FROM xt
           WHERE errors = '{}' AND (to_date(birth_date, 'DD-MM-YYYY') <> true_birth
              OR sex <> true_sex::text
              OR upper(replace(postcode, ' ', '')) <> true_postcode
              OR (house_number IS NOT NULL AND (house_number <> true_number
                  OR house_suffix IS DISTINCT FROM true_suffix)))),
          0, 'a record without errors carries its person''s birth date, sex and address at the event date');
SELECT is((SELECT count(*)::int FROM xt
           WHERE 'postcode_old_address' = ANY (errors)
             AND (upper(replace(postcode, ' ', '')), house_number, house_suffix)
                 IS NOT DISTINCT FROM (true_postcode, true_number, true_suffix)),
          0, 'an old address differs from the address at the event date');
SELECT is((SELECT count(*)::int FROM xt
           WHERE ('birth_date_typo' = ANY (errors) OR 'birth_date_transposition' = ANY (errors)
                  OR 'birth_date_day_month_swap' = ANY (errors))
             AND to_date(birth_date, 'DD-MM-YYYY') = true_birth),
          0, 'a birth date error changes the birth date');

-- extracts: rates
SELECT ok((SELECT avg((true_person_id IS NULL)::int) FROM x) BETWEEN 0.017 AND 0.023,
          'about 2% of patients are not in the register');
SELECT ok((SELECT avg((EXISTS (SELECT FROM unnest(errors) e WHERE e LIKE 'birth\_date%'))::int) FROM x)
              BETWEEN 0.017 AND 0.023
          AND (SELECT avg((EXISTS (SELECT FROM unnest(errors) e WHERE e LIKE 'sex\_%'))::int) FROM x)
              BETWEEN 0.017 AND 0.023,
          'about 2% of birth dates and of sexes are wrong or missing');
SELECT ok((SELECT avg((EXISTS (SELECT FROM unnest(errors) e WHERE e LIKE 'postcode\_%'))::int)
           FROM x WHERE postcode <> '0000') BETWEEN 0.017 AND 0.023,
          'about 2% of Dutch postcodes are wrong, old or missing');
SELECT ok((SELECT avg(date_part('year', age(to_date(event_date, 'DD-MM-YYYY'), to_date(birth_date, 'DD-MM-YYYY'))))
           FROM t WHERE errors = '{}') BETWEEN 79 AND 83
          AND (SELECT avg((sex = '2')::int) FROM t WHERE errors = '{}') BETWEEN 0.46 AND 0.54,
          'TAVI patients are about 81 years old and half of them women');
SELECT is((SELECT count(*)::int FROM pseudolink.synth_extract(11, 100000, 'CABG', 2000, error_rate => 0)
           WHERE errors <> '{}'),
          0, 'error_rate 0 gives clean records');
SELECT is((SELECT count(*)::int FROM pseudolink.synth_extract(11, 100000, 'CABG', 2000, not_in_register => 1)
           WHERE true_person_id IS NOT NULL),
          0, 'not_in_register 1 gives only patients the register does not know');

SELECT * FROM finish();
ROLLBACK;
