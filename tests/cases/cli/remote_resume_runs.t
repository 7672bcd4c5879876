Resuming FTP and SFTP downloads that a failed run cut off partway (extract.file; the retries
within one run are in remote_resume.t). docs/extract.md: "A .part left by a failed try (or a
failed run) is resumed ... FTP and SFTP resume by offset when the remote size and time are
those the .part was started from". The file waits in the task's staging folder
(.dunya/downloads/PIPELINE/TASK/) as HASH-NAME.part, with HASH-NAME.part.v holding the remote
size and time it was started from. The servers cut the download: vsftpd sends 1 MB/s
(tests/ftp-server --max-rate) to a task whose transfers may last 2.5 s, and a relay in front of
sshd (tests/sftp-server --cut-after) ends the first connection after 2 MB. Their logs tell how
many bytes each transfer sent. vsftpd must start as root: as any other user the case is
skipped (CI runs as root).

  $ if [ "$(id -u)" != 0 ]; then echo "skip: vsftpd must be started as root; run the tests as root to cover FTP and SFTP"; exit 77; fi
  $ ../../ftp-server start --owner $PPID --max-rate 1000000 > $TMP/ftp && ../../sftp-server start --owner $PPID --cut-after 2000000 --sftp-log > $TMP/sftp && F=$(tail -1 $TMP/ftp) && S=$(tail -1 $TMP/sftp) && head -c 3000000 /dev/urandom > $F/root/big.bin && chmod a+r $F/root/big.bin && cp $F/root/big.bin $S/root/big.bin
  $ F=$(tail -1 $TMP/ftp) && S=$(tail -1 $TMP/sftp) && cp -r projects/remote_resume $TMP/p && printf 'FTP=%s\nSFTP=%s\nSFTP_DIR=%s/root\nSFTP_KEY=%s/user_key\nSFTP_FP=%s\n' "$(head -1 $TMP/ftp)" "$(head -1 $TMP/sftp)" $S $S "$(cat $S/host_key_sha256)" > $TMP/p/.env && cd $TMP/p && dunya validate
  ok: 2 pipelines, 4 tasks

A run that fails partway (no retries) leaves the .part and its remote size and time for the
next run, which resumes it.

  $ cd $TMP/p && dunya run resume_runs --date 2024-01-01 --parallelism 1 2>&1 | grep -v 'queued\|running' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /; s/:[0-9][0-9]*\//:PORT\//; s/with [0-9]* out of/with N out of/; s/after [0-9]* milliseconds/after T milliseconds/; s|/[^ :]*/dunya-sftp\.[^/]*/|/DIR/|; s|//[a-z_][a-z0-9_-]*@|//USER@|'
  ftp_run   failed: ftp://127.0.0.1:PORT/big.bin: Timeout was reached: Operation timed out after T milliseconds with N out of 3000000 bytes received (after 1 attempt)
  sftp_run  failed: sftp://USER@127.0.0.1:PORT/DIR/root/big.bin: Error in the SSH layer (after 1 attempt)
  run manual__2024-01-01T00:00:00Z of resume_runs: failed in T s (0 succeeded, 2 failed, 0 skipped)
  $ cd $TMP/p/.dunya/downloads/resume_runs && ls ftp_run sftp_run | sed 's/^[0-9a-f]\{16\}-//'; cat */*.part.v | sed 's/ [0-9]*$/ MTIME/'
  ftp_run:
  big.bin.part
  big.bin.part.v
  
  sftp_run:
  big.bin.part
  big.bin.part.v
  3000000 MTIME
  3000000 MTIME
  $ cd $TMP/p && dunya run resume_runs --date 2024-01-02 --parallelism 1 2>&1 | grep -v 'queued\|running' | sed 's/^ *[0-9.]*s  //; s/ in [0-9.]* s / in T s /'
  ftp_run   success
  sftp_run  success
  run manual__2024-01-02T00:00:00Z of resume_runs: success in T s (2 succeeded, 0 failed, 0 skipped)
  $ cd $TMP/p && for t in ftp_run sftp_run; do dunya logs resume_runs latest $t | grep -v '^--\|::output' | sed 's/:[0-9][0-9]*\//:PORT\//; s/in [0-9.]* s/in T s/; s/sha256 [0-9a-f]*/sha256 H/; s/byte [0-9]*/byte N/; s|/[^ :]*/dunya-sftp\.[^/]*/|/DIR/|; s|//[a-z_][a-z0-9_-]*@|//USER@|'; done
  ftp://127.0.0.1:PORT/big.bin: resuming at byte N
  downloaded ftp://127.0.0.1:PORT/big.bin: 3000000 bytes in T s (resumed), sha256 H
  wrote 1 file rows from 1 file to raw/ftp_run version 1
  sftp://USER@127.0.0.1:PORT/DIR/root/big.bin: resuming at byte N
  downloaded sftp://USER@127.0.0.1:PORT/DIR/root/big.bin: 3000000 bytes in T s (resumed), sha256 H
  wrote 1 file rows from 1 file to raw/sftp_run version 1
  $ cd $TMP/p && F=$(tail -1 $TMP/ftp) && N=$(dunya logs resume_runs latest ftp_run | sed -n 's/.*resuming at byte //p') && M=$(grep 'OK DOWNLOAD' $F/log | tail -1 | sed 's/.*", \([0-9]*\) bytes.*/\1/') && R=$(grep -o '"REST [0-9]*"' $F/log | tail -1 | tr -dc 0-9) && echo "REST N: $((R == N)), $N > 0: $((N > 0)), $N + $M = $((N + M))" | sed 's/[0-9]* > 0/N > 0/; s/[0-9]* + [0-9]* =/N + M =/'
  REST N: 1, N > 0: 1, N + M = 3000000
  $ cd $TMP/p && S=$(tail -1 $TMP/sftp) && N=$(dunya logs resume_runs latest sftp_run | sed -n 's/.*resuming at byte //p') && M=$(grep '^close ".*/big.bin"' $S/sftp.log | tail -1 | sed 's/.* bytes read \([0-9]*\) .*/\1/') && echo "$N > 0: $((N > 0)), $N + $M = $((N + M))" | sed 's/[0-9]* > 0/N > 0/; s/[0-9]* + [0-9]* =/N + M =/'
  N > 0: 1, N + M = 3000000
  $ cd $TMP/p && cmp lake/raw/ftp_run/_files/*/big.bin $(tail -1 $TMP/ftp)/root/big.bin && cmp lake/raw/sftp_run/_files/*/big.bin $(tail -1 $TMP/sftp)/root/big.bin && ls .dunya/downloads/resume_runs/*
  .dunya/downloads/resume_runs/ftp_run:
  
  .dunya/downloads/resume_runs/sftp_run:

  $ ../../ftp-server stop $(tail -1 $TMP/ftp) && ../../sftp-server stop $(tail -1 $TMP/sftp)
