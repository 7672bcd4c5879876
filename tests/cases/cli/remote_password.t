SFTP password logins (extract.file with auth: {username, password}, or the password in the
URL). The throwaway sshd (tests/sftp-server --password) lets in a user of its own, dunya-sftp,
found in copies of the account files that only sshd sees (a mount namespace of its own): the
machine's /etc/passwd and /etc/shadow stay as they are. That takes root: as any other user the
case is skipped (CI runs as root).

  $ if [ "$(id -u)" != 0 ]; then echo "skip: the SFTP server with a password user must be started as root"; exit 77; fi
  $ ../../sftp-server start --owner $PPID --password 'Tr0ub4dor-x9Q' > $TMP/sftp && S=$(tail -1 $TMP/sftp) && mkdir -p $S/root/data && printf 'id,name\n1,ann\n2,bob\n' > $S/root/data/a.csv && printf 'id,name\n3,cy\n' > $S/root/data/b.csv && head -1 $TMP/sftp | sed 's/:[0-9]*$/:PORT/'; grep -c dunya-sftp /etc/passwd /etc/shadow
  sftp://dunya-sftp@127.0.0.1:PORT
  /etc/passwd:0
  /etc/shadow:0
  [1]
  $ S=$(tail -1 $TMP/sftp) && U=$(head -1 $TMP/sftp) && cp -r projects/remote_password $TMP/p && printf 'SFTP=%s\nSFTP_USER=dunya-sftp\nSFTP_HOST=%s\nSFTP_DIR=%s/root\nSFTP_FP=%s\nSFTP_PW=Tr0ub4dor-x9Q\nSFTP_BAD_PW=Wr0ng-Pa55-k7Z\n' "$U" "${U#sftp://dunya-sftp@}" $S "$(cat $S/host_key_sha256)" > $TMP/p/.env && cd $TMP/p && dunya validate
  ok: 2 pipelines, 4 tasks

The right password, in auth and in the URL: both files land as they were, and the URL in the
logs and in the dataset's rows shows `***` for the password.

  $ cd $TMP/p && dunya run sftp_password --date 2024-01-01 --parallelism 1 2>&1 | tee $TMP/run1 | grep -v 'queued\|running' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  in_auth  success
  in_url   success
  run manual__2024-01-01T00:00:00Z of sftp_password: success in T s (2 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/p && for t in in_auth in_url; do dunya logs sftp_password latest $t | grep -v '^--\|::output' | sed 's/:[0-9][0-9]*\//:PORT\//; s/in [0-9.]* s/in T s/; s/sha256 [0-9a-f]*/sha256 H/; s|/[^ :]*/dunya-sftp\.[^/]*/|/DIR/|'; done
  downloaded sftp://dunya-sftp@127.0.0.1:PORT/DIR/root/data/a.csv: 20 bytes in T s, sha256 H
  wrote 1 file rows from 1 file to raw/in_auth version 1
  downloaded sftp://dunya-sftp:***@127.0.0.1:PORT/DIR/root/data/b.csv: 13 bytes in T s, sha256 H
  wrote 1 file rows from 1 file to raw/in_url version 1
  $ cd $TMP/p && S=$(tail -1 $TMP/sftp) && cmp lake/raw/in_auth/_files/*/a.csv $S/root/data/a.csv && cmp lake/raw/in_url/_files/*/b.csv $S/root/data/b.csv && dunya -q convert lake:raw/in_url - --to csv | cut -d, -f1-3 | sed 's/:[0-9][0-9]*\//:PORT\//; s|/[^ :]*/dunya-sftp\.[^/]*/|/DIR/|'
  file,url,size
  b.csv,sftp://dunya-sftp:***@127.0.0.1:PORT/DIR/root/data/b.csv,13

The server saw two password logins (no key was offered).

  $ grep -c 'Accepted password for dunya-sftp' $(tail -1 $TMP/sftp)/log; grep -c 'Accepted publickey' $(tail -1 $TMP/sftp)/log
  2
  0
  [1]

A wrong password fails the task at once with the URL and the reason, and lands nothing.

  $ cd $TMP/p && dunya run sftp_wrong_password --date 2024-01-01 --parallelism 1 2>&1 | tee $TMP/run2 | grep 'failed' | sed 's/^ *[0-9.]*s  //; s/:[0-9][0-9]*\//:PORT\//; s/ in [0-9.]* s / in T s /; s|/[^ :]*/dunya-sftp\.[^/]*/|/DIR/|'
  wrong_in_auth  failed: sftp://dunya-sftp@127.0.0.1:PORT/DIR/root/data/a.csv: Login denied: Authentication failure (after 1 attempt)
  wrong_in_url   failed: sftp://dunya-sftp:***@127.0.0.1:PORT/DIR/root/data/b.csv: Login denied: Authentication failure (after 1 attempt)
  run manual__2024-01-01T00:00:00Z of sftp_wrong_password: failed in T s (0 succeeded, 2 failed, 0 skipped)
  $ cd $TMP/p && ls lake/raw; grep -c 'Failed password for dunya-sftp' $(tail -1 $TMP/sftp)/log
  in_auth
  in_url
  2

Neither password is written anywhere but .env: not in the task logs (which name the URL, with
`***` where the password was in it), the metadata, the lake, nor what `dunya run` printed.

  $ cd $TMP/p && grep -rc 'sftp://dunya-sftp' .dunya/logs | sort; grep -rh -o 'dunya-sftp:[^@]*@' .dunya/logs
  .dunya/logs/sftp_password/manual__2024-01-01T00:00:00Z/in_auth.1.log:1
  .dunya/logs/sftp_password/manual__2024-01-01T00:00:00Z/in_url.1.log:1
  .dunya/logs/sftp_wrong_password/manual__2024-01-01T00:00:00Z/wrong_in_auth.1.log:1
  .dunya/logs/sftp_wrong_password/manual__2024-01-01T00:00:00Z/wrong_in_url.1.log:1
  dunya-sftp:***@
  dunya-sftp:***@
  $ cd $TMP/p && grep -rl -e 'Tr0ub4dor-x9Q' -e 'Wr0ng-Pa55-k7Z' . $TMP/run1 $TMP/run2
  ./.env

  $ ../../sftp-server stop $(tail -1 $TMP/sftp)
