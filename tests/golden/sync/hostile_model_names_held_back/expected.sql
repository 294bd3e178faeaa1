-- plan
-- WARNING: schema "sp\u{200b}ace": its name holds a control, bidirectional or zero-width character: no statement names it, so nothing of it is granted or revoked; rename it
-- WARNING: role "r\u{202e}elor": its name holds a control, bidirectional or zero-width character: no statement names it, so nothing of it is granted or revoked; rename it
-- WARNING: model demo_ml."m\n::warning file=x::forged": its name holds a control, bidirectional or zero-width character: it is neither granted on nor revoked from; rename it
-- WARNING: model demo_ml."\u{202e}maet_lm\u{202c}": its name holds a control, bidirectional or zero-width character: it is neither granted on nor revoked from; rename it

-- model.toml:11:14 schemas.demo_ml.consumers
GRANT EXECUTE ON MODEL demo_ml.plain TO GROUP bi;
