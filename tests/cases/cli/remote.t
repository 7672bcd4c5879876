Downloading files over FTP, explicit FTPS and SFTP (extract.file). Throwaway servers on
127.0.0.1: vsftpd (tests/ftp-server, anonymous, AUTH TLS with a self-signed certificate made
at start) and OpenSSH's sshd with internal-sftp (tests/sftp-server, key logins, its own host
key), stopped at the end or when the test runner exits. vsftpd must start as root: as any
other user the case is skipped (CI runs as root).

  $ if [ "$(id -u)" != 0 ]; then echo "skip: vsftpd must be started as root; run the tests as root to cover FTP and SFTP"; exit 77; fi
  $ ../../ftp-server start --owner $PPID > $TMP/ftp && ../../sftp-server start --owner $PPID > $TMP/sftp && F=$(tail -1 $TMP/ftp) && S=$(tail -1 $TMP/sftp) && for d in $F/root $S/root; do mkdir -p $d/data; printf 'id,name\n1,ann\n2,bob\n' > $d/data/a.csv; printf 'id,name\n3,cy\n' > $d/data/b.csv; echo '{}' > $d/data/c.json; done && chmod -R a+rX $F/root
  $ F=$(tail -1 $TMP/ftp) && S=$(tail -1 $TMP/sftp) && cp -r projects/remote $TMP/p && printf 'FTP=%s\nFTP_CA=%s/cert.pem\nSFTP=%s\nSFTP_DIR=%s/root\nSFTP_KEY=%s/user_key\nSFTP_FP=%s\nSFTP_KNOWN=%s/known_hosts\n' "$(head -1 $TMP/ftp)" $F "$(head -1 $TMP/sftp)" $S $S "$(cat $S/host_key_sha256)" $S > $TMP/p/.env && cd $TMP/p && dunya validate
  ok: 2 pipelines, 9 tasks

A file over plain FTP, the CSV files of a folder over FTP with TLS required (the server's
certificate trusted through ca_file), the same over SFTP with a key and the host key's
fingerprint, and a file over SFTP checked against known_hosts and parsed into rows.

  $ cd $TMP/p && dunya run remote --date 2024-01-01 --parallelism 1 2>&1 | grep -v 'queued\|running' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  ftp_one      success
  ftps_listed  success
  sftp_listed  success
  sftp_parsed  success
  run manual__2024-01-01T00:00:00Z of remote: success in T s (4 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/p && for t in ftp_one ftps_listed sftp_listed sftp_parsed; do dunya logs remote latest $t | grep -v '^--\|::output' | sed 's/:[0-9][0-9]*\//:PORT\//; s/in [0-9.]* s/in T s/; s/sha256 [0-9a-f]*/sha256 H/; s|/[^ :]*/dunya-sftp\.[^/]*/|/DIR/|; s|//[a-z_][a-z0-9_-]*@|//USER@|'; done
  downloaded ftp://127.0.0.1:PORT/data/a.csv: 20 bytes in T s, sha256 H
  wrote 1 file rows from 1 file to raw/ftp_one version 1
  listed ftp://127.0.0.1:PORT/data/: 2 files match *.csv
  downloaded ftp://127.0.0.1:PORT/data/a.csv: 20 bytes in T s, sha256 H
  downloaded ftp://127.0.0.1:PORT/data/b.csv: 13 bytes in T s, sha256 H
  wrote 2 file rows from 2 files to raw/ftps_listed version 1
  listed sftp://USER@127.0.0.1:PORT/DIR/root/data/: 2 files match *.csv
  downloaded sftp://USER@127.0.0.1:PORT/DIR/root/data/a.csv: 20 bytes in T s, sha256 H
  downloaded sftp://USER@127.0.0.1:PORT/DIR/root/data/b.csv: 13 bytes in T s, sha256 H
  wrote 2 file rows from 2 files to raw/sftp_listed version 1
  downloaded sftp://USER@127.0.0.1:PORT/DIR/root/data/a.csv: 20 bytes in T s, sha256 H
  wrote 2 rows from 1 file to raw/sftp_parsed version 1
  $ cd $TMP/p && dunya -q convert lake:raw/sftp_parsed - --to csv && cmp lake/raw/sftp_listed/_files/*/b.csv $(tail -1 $TMP/sftp)/root/data/b.csv && grep -q '"AUTH SSL"' $(tail -1 $TMP/ftp)/log && echo TLS was asked for
  id,name
  1,ann
  2,bob
  TLS was asked for

The next run compares each file's size and time with the last run's and downloads nothing;
a file that changed is fetched again.

  $ sleep 1 && printf 'id,name\n3,cy\n4,di\n' > $(tail -1 $TMP/sftp)/root/data/b.csv && cd $TMP/p && dunya -q run remote --date 2024-01-02 > /dev/null 2>&1; dunya logs remote latest sftp_listed | grep -v '^--\|::output' | sed 's/:[0-9][0-9]*\//:PORT\//; s/in [0-9.]* s/in T s/; s/sha256 [0-9a-f]*/sha256 H/; s|/[^ :]*/dunya-sftp\.[^/]*/|/DIR/|; s|//[a-z_][a-z0-9_-]*@|//USER@|'; dunya logs remote latest ftps_listed | grep '::output'
  listed sftp://USER@127.0.0.1:PORT/DIR/root/data/: 2 files match *.csv
  unchanged: sftp://USER@127.0.0.1:PORT/DIR/root/data/a.csv
  downloaded sftp://USER@127.0.0.1:PORT/DIR/root/data/b.csv: 18 bytes in T s, sha256 H
  wrote 1 file rows from 1 file to raw/sftp_listed version 2
  ::output files=0
  ::output unchanged=2
  ::output bytes=0
  ::output rows=0

Failures name the URL and what is wrong, and land nothing: a certificate nobody vouched for
(TLS is verified by default), a missing folder, an SFTP host key that does not match, an SFTP
server whose key would not be checked at all, a missing file.

  $ cd $TMP/p && dunya run remote_bad --date 2024-01-01 --parallelism 1 2>&1 | grep 'failed:' | sed 's/^ *[0-9.]*s  //; s/:[0-9][0-9]*\//:PORT\//; s|/[^ :]*/dunya-sftp\.[^/]*/|/DIR/|; s|//[a-z_][a-z0-9_-]*@|//USER@|; s/Remote [^ ]* is not/Remote FP is not/'
  untrusted_cert  failed: ftp://127.0.0.1:PORT/data/a.csv: SSL peer certificate or SSH remote key was not OK: SSL certificate problem: self-signed certificate (after 1 attempt)
  missing_folder  failed: listing ftp://127.0.0.1:PORT/nosuch/: Access denied to remote resource: Server denied you to change to the given directory (after 1 attempt)
  wrong_host_key  failed: sftp://USER@127.0.0.1:PORT/DIR/root/data/a.csv: SSL peer certificate or SSH remote key was not OK: Denied establishing ssh session: mismatch sha256 fingerprint. Remote FP is not equal to AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= (after 1 attempt)
  unchecked_host  failed: sftp://USER@127.0.0.1:PORT/DIR/root/data/a.csv: the server's host key would not be checked; give known_hosts (a file) or host_key_sha256 (its fingerprint), or insecure: true
  missing_file    failed: sftp://USER@127.0.0.1:PORT/DIR/root/data/nosuch.csv: Remote file not found: Could not open remote file for reading: No such file or directory (after 1 attempt)
  $ cd $TMP/p && ls lake/raw | grep -c bad
  0
  [1]

  $ ../../ftp-server stop $(tail -1 $TMP/ftp) && ../../sftp-server stop $(tail -1 $TMP/sftp)
