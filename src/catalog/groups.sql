-- Every group and its members' user ids (an int[] in text form: {101,102}).
SELECT groname, grolist FROM pg_catalog.pg_group;
