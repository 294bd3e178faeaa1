//! Errors and notices from PostgreSQL: their fields, and the simulator's own frames kept out of
//! them.
//!
//! What an mlsim procedure raises, when the front rewrote a statement into a CALL of it, carries
//! PostgreSQL's context field (`PL/pgSQL function mlsim.grant_model(...) line 16 at RAISE`,
//! `SQL statement "GRANT ..."`): the simulator's inner workings, which Redshift never shows, and
//! which PostgreSQL's own GRANT, for one, does not send. When the outermost frame (the context's
//! last line) is an mlsim procedure or function, the whole context is the simulator's and is left
//! out; any other context (a user's function that calls mlsim's) goes through whole.

use bytes::BytesMut;

use super::relay::{cstring, message};

/// The fields of an ErrorResponse or NoticeResponse message: type and value.
pub(super) fn fields(msg: &[u8]) -> Vec<(u8, &[u8])> {
    let mut rest = msg.get(5..).unwrap_or_default();
    let mut out = Vec::new();
    while let Some((&kind, tail)) = rest.split_first() {
        if kind == 0 {
            break;
        }
        let (value, tail) = cstring(tail);
        out.push((kind, value));
        rest = tail;
    }
    out
}

/// An ErrorResponse or NoticeResponse without its context field when that context is the
/// simulator's own; any other message as it came.
pub(super) fn without_simulator_context(msg: BytesMut) -> BytesMut {
    let fields = fields(&msg);
    let ours = fields.iter().any(|(kind, value)| {
        *kind == b'W'
            && value
                .rsplit(|&b| b == b'\n')
                .next()
                .is_some_and(|outer| outer.starts_with(b"PL/pgSQL function mlsim."))
    });
    if !ours {
        return msg;
    }
    let mut body = Vec::with_capacity(msg.len());
    for (kind, value) in fields {
        if kind != b'W' {
            body.push(kind);
            body.extend_from_slice(value);
            body.push(0);
        }
    }
    body.push(0);
    message(msg[0], &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulators_frames_are_left_out_and_others_kept() {
        let inner = message(
            b'N',
            b"SWARNING\0C01007\0Mno privileges were granted for \"m\"\0WSQL statement \"GRANT x\"\nPL/pgSQL function mlsim.grant_model(boolean) line 16 at RAISE\0\0",
        );
        assert_eq!(
            &without_simulator_context(inner)[..],
            &message(
                b'N',
                b"SWARNING\0C01007\0Mno privileges were granted for \"m\"\0\0"
            )[..]
        );
        let users = message(
            b'E',
            b"SERROR\0C42501\0Mdenied\0WPL/pgSQL function mlsim.refuse(text,text) line 3 at RAISE\nPL/pgSQL function public.mine() line 2 at CALL\0\0",
        );
        assert_eq!(without_simulator_context(users.clone()), users);
        let plain = message(b'E', b"SERROR\0C42P01\0Mno table\0\0");
        assert_eq!(without_simulator_context(plain.clone()), plain);
        assert_eq!(
            fields(&plain),
            [
                (b'S', b"ERROR".as_slice()),
                (b'C', b"42P01".as_slice()),
                (b'M', b"no table".as_slice())
            ]
        );
    }
}
