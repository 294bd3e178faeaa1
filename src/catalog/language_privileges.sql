-- CREATE MODEL, stored as USAGE on the language mlfunc (DG r_SVV_LANUGAGE_PRIVILEGES (sic, as the page spells it)).
SELECT privilege_type, identity_name, identity_type FROM pg_catalog.svv_language_privileges WHERE language_name = 'mlfunc';
