;;; inkling-test.el --- drive inkling.el against the real server in `emacs --batch'  -*- lexical-binding: t -*-

;; Run by editors/emacs/emacs_test.go, once per client:
;;   INKLING_TEST_CLIENT=eglot|lsp-mode|lsp-inline emacs --batch -l inkling-test.el
;; Environment:
;;   INKLING_TEST_SERVER   the inkling binary
;;   INKLING_TEST_ENDPOINT, INKLING_TEST_MODEL  passed as settings (initializationOptions)
;;   INKLING_TEST_EXPECT   the suggestion the fake model gives
;;   INKLING_TEST_OTHER    what it gives when sampled (the alternatives next asks for)
;;   INKLING_TEST_FILE     the file to edit (saved at the end; the Go test reads it)
;;   LSPMODE_SRC           colon-separated dirs put first on load-path (lsp-mode 10 sources)
;; Exit status 0 is a pass; every step is logged to stdout.

(require 'package)
(package-initialize)
(dolist (d (reverse (split-string (or (getenv "LSPMODE_SRC") "") ":" t)))
  (push d load-path))
(push (expand-file-name ".." (file-name-directory load-file-name)) load-path)
(require 'cl-lib)
(require 'inkling)

(defvar test-t0 (float-time))
(defun test-log (fmt &rest args)
  (princ (format "[%5d ms] %s\n" (round (* 1000 (- (float-time) test-t0))) (apply #'format fmt args))))
(defun test-finish (code msg)
  (test-log "%s: %s" (if (= code 0) "PASS" "FAIL") msg)
  (kill-emacs code))
(defun test-fail (fmt &rest args) (test-finish 1 (apply #'format fmt args)))
(defun test-wait (pred secs)
  "Wait up to SECS for PRED, running timers and process output meanwhile."
  (let ((end (+ (float-time) secs)))
    (while (and (not (funcall pred)) (< (float-time) end))
      (accept-process-output nil 0.02))
    (funcall pred)))
(defun test-line ()
  (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
;; Timers fire while Emacs waits for process output, so this catches a hung client.
(run-at-time 40 nil (lambda () (test-finish 3 "watchdog timeout")))

(defvar test-client (or (getenv "INKLING_TEST_CLIENT") "eglot"))
(defvar test-expect (or (getenv "INKLING_TEST_EXPECT") (test-fail "INKLING_TEST_EXPECT not set")))
(defvar test-other (or (getenv "INKLING_TEST_OTHER") (test-fail "INKLING_TEST_OTHER not set")))
(defvar test-file (or (getenv "INKLING_TEST_FILE") (test-fail "INKLING_TEST_FILE not set")))

(setq inkling-command (list (or (getenv "INKLING_TEST_SERVER") "inkling") "serve")
      inkling-provider "openai"
      inkling-endpoint (getenv "INKLING_TEST_ENDPOINT")
      inkling-model (getenv "INKLING_TEST_MODEL")
      inkling-api-key "test-key"
      inkling-idle-delay 0.05)

(defun test-start-eglot ()
  (require 'eglot)
  (setq eglot-sync-connect 10 eglot-events-buffer-size 0 eglot-autoshutdown nil)
  (inkling-eglot-setup '(python-mode))
  ;; `eglot-ensure' waits for a command loop that batch mode never runs: start it directly.
  (apply #'eglot (eglot--guess-contact))
  (unless (and (eglot-current-server) (jsonrpc-running-p (eglot-current-server)))
    (test-fail "eglot did not connect"))
  (test-log "eglot %s connected" (if (boundp 'eglot-version) eglot-version "")))

(defun test-start-lsp ()
  (let ((dir (file-name-directory test-file)))
    (setq lsp-session-file (expand-file-name ".lsp-session" dir)
          lsp-server-install-dir (expand-file-name ".lsp-servers" dir)
          lsp-client-packages nil        ; only our client: no pylsp or others
          lsp-enable-suggest-server-download nil
          lsp-keep-workspace-alive nil
          lsp-enable-file-watchers nil
          lsp-headerline-breadcrumb-enable nil
          lsp-modeline-code-actions-enable nil
          lsp-modeline-diagnostics-enable nil
          lsp-enable-snippet nil
          lsp-log-io (getenv "INKLING_TEST_DEBUG")
          lsp-restart 'ignore)
    (require 'lsp-mode)
    (require 'lsp-completion)            ; loaded by the client packages we switched off
    (inkling-lsp-setup)
    ;; A known root, or lsp-mode asks "Import project root?", which batch cannot answer.
    (lsp-workspace-folders-add dir)
    (lsp)
    (unless (test-wait (lambda () (and lsp--buffer-workspaces
                                       (eq (lsp--workspace-status (car lsp--buffer-workspaces)) 'initialized)))
                       10)
      (test-fail "lsp-mode did not initialize"))
    (test-log "lsp-mode initialized (%s)" (locate-library "lsp-mode"))))

(defun test-capf-check (how)
  "The line holds the suggestion after completing by HOW; then empty it again."
  (test-log "after %s: %S" how (test-line))
  (unless (equal (test-line) (concat "    " test-expect))
    (test-fail "%s did not insert the suggestion: %S" how (test-line)))
  ;; Back to the indented empty line for the next part.
  (delete-region (+ (line-beginning-position) 4) (line-end-position)))

(defun test-capf ()
  "The suggestion arrives as a completion candidate, and `completion-at-point' inserts it."
  (let* ((fn (if (equal test-client "eglot") #'eglot-completion-at-point #'lsp-completion-at-point))
         (capf (funcall fn))
         (cands (and capf (mapcar #'substring-no-properties (all-completions "" (nth 2 capf)))))
         (label (car (split-string test-expect "\n"))))
    (test-log "capf candidates %S" cands)
    (unless (member label cands) (test-fail "capf: %S not among the candidates" label))
    (let ((completion-at-point-functions (list fn)))
      (completion-at-point))
    (when (and (equal (test-line) "    ") (get-buffer-window "*Completions*"))
      ;; lsp-mode 10's own completion style (lsp-passthrough) never inserts
      ;; a sole candidate: it lists it.  Pick it there, as the user would.
      (test-log "capf listed the candidates in *Completions*: choosing %S" label)
      (with-selected-window (get-buffer-window "*Completions*")
        (goto-char (point-min))
        (search-forward label)
        (goto-char (match-beginning 0))
        (choose-completion)))
    ;; A late answer to a re-sent request must not undo the insertion.
    (test-wait (lambda () nil) 0.3)
    (test-capf-check "completion-at-point")
    (unless (equal test-client "eglot")
      ;; Company, lsp-mode's usual front end.
      (require 'company)
      (setq company-backends '(company-capf) company-frontends nil company-idle-delay nil)
      (company-mode 1)
      (company-manual-begin)
      (test-wait (lambda () company-candidates) 5)
      (test-log "company candidates %S" (mapcar #'substring-no-properties company-candidates))
      (company-complete-selection)
      (test-wait (lambda () nil) 0.3)
      (test-capf-check "company")
      (company-mode -1))))

(defun test-type (s)
  "Type S as a user would: one self-insert command per character, hooks and all."
  (dolist (c (string-to-list s))
    (setq last-command-event c this-command 'self-insert-command)
    (run-hooks 'pre-command-hook)
    (self-insert-command 1 c)
    (run-hooks 'post-command-hook)))

(defun test-ghost ()
  "Typing shows the ghost text after a pause; a word, then the rest, is accepted."
  (inkling-mode 1)
  (delete-region (line-beginning-position) (line-end-position))
  (test-type "    ")
  (unless (test-wait #'inkling-visible-p 10)
    (test-fail "no ghost text after typing"))
  (test-log "ghost text %S at column %d" (inkling-visible-p) (current-column))
  (unless (equal (inkling-visible-p) test-expect) (test-fail "ghost text is not %S" test-expect))
  (unless (equal (test-line) "    ") (test-fail "ghost text changed the buffer: %S" (test-line)))
  (test-cycle)
  (setq this-command 'inkling-accept-word)
  (inkling-accept-word)
  (run-hooks 'post-command-hook)
  (test-log "after accept-word: line %S, ghost %S" (test-line) (inkling-visible-p))
  (unless (string-prefix-p (concat (test-line) (inkling-visible-p)) (concat "    " test-expect))
    (test-fail "accept-word broke the suggestion"))
  (setq this-command 'inkling-accept)
  (inkling-accept)
  (run-hooks 'post-command-hook)
  (test-log "after accept: %S" (test-line))
  (when (inkling-visible-p) (test-fail "ghost text still shown after accept"))
  (unless (equal (test-line) (concat "    " test-expect)) (test-fail "accept did not insert the suggestion")))

(defun test-command (cmd)
  "Run CMD as the command loop would, post-command hook included."
  (setq this-command cmd last-command-event nil)
  (run-hooks 'pre-command-hook)
  (call-interactively cmd)
  (run-hooks 'post-command-hook))

(defun test-cycle ()
  "Next asks the server for alternatives and shows one; previous comes back."
  (test-command 'inkling-next)
  (unless (test-wait (lambda () (equal (inkling-visible-p) test-other)) 10)
    (test-fail "inkling-next: ghost %S, want %S (suggestions %S)"
               (inkling-visible-p) test-other (mapcar #'car inkling--suggestions)))
  (test-log "next: %S (%d/%d)" (inkling-visible-p) (1+ inkling--index) (length inkling--suggestions))
  (unless (>= (length inkling--suggestions) 2) (test-fail "next: only one suggestion"))
  (test-command 'inkling-previous)
  (unless (equal (inkling-visible-p) test-expect)
    (test-fail "inkling-previous: ghost %S, want %S" (inkling-visible-p) test-expect))
  (test-command 'inkling-next)
  (unless (equal (inkling-visible-p) test-other)
    (test-fail "inkling-next again: ghost %S, want %S" (inkling-visible-p) test-other))
  (test-command 'inkling-previous)
  (test-log "previous: %S" (inkling-visible-p))
  (unless (equal (test-line) "    ") (test-fail "cycling changed the buffer: %S" (test-line))))

(defun test-lsp-inline ()
  "lsp-mode 9+'s own inline completion shows and accepts the suggestion."
  (unless (require 'lsp-inline-completion nil t)
    (test-fail "this lsp-mode has no lsp-inline-completion (set LSPMODE_SRC to lsp-mode 10)"))
  (delete-region (+ (line-beginning-position) 4) (line-end-position))
  (lsp-inline-completion-display)
  (unless (test-wait (lambda () (and (overlayp lsp-inline-completion--overlay)
                                     (overlay-buffer lsp-inline-completion--overlay)))
                     10)
    (test-fail "no lsp-inline-completion overlay"))
  (let* ((ov lsp-inline-completion--overlay)
         (shown (or (overlay-get ov 'after-string) (overlay-get ov 'display))))
    (test-log "lsp-inline-completion overlay %S" (and shown (substring-no-properties shown)))
    (unless (and shown (string-match-p (regexp-quote test-expect) shown))
      (test-fail "the overlay does not show %S" test-expect)))
  (lsp-inline-completion-accept)
  (test-log "after lsp-inline-completion-accept: %S" (test-line))
  (unless (equal (test-line) (concat "    " test-expect)) (test-fail "lsp-inline-completion-accept")))

(defun test-status ()
  "The settings reached the server through initializationOptions."
  (let (status)
    (inkling--request (inkling--backend) :inkling/status nil
                      (lambda (s) (setq status (or s '(:none t))))
                      (lambda (e) (setq status (list :error e))))
    (test-wait (lambda () status) 5)
    (test-log "inkling/status %S" status)
    (unless (equal (plist-get status :endpoint) inkling-endpoint)
      (test-fail "the server does not use the endpoint from initializationOptions"))))

(defun test-settings-change ()
  "A bad setting sent while the server runs comes back as an error status."
  (setq inkling-endpoint "not-a-url")
  (inkling-update-settings)
  (unless (test-wait (lambda () (equal (plist-get inkling--status :kind) "Error")) 5)
    (test-fail "no error status after a bad endpoint: %S" inkling--status))
  (test-log "status after a bad endpoint: %S, lighter %S" inkling--status (inkling--lighter)))

(find-file test-file)
(python-mode)
(goto-char (point-max))
(pcase test-client
  ("eglot" (test-start-eglot))
  ((or "lsp-mode" "lsp-inline") (test-start-lsp))
  (_ (test-fail "unknown client %s" test-client)))
(test-status)
(pcase test-client
  ("lsp-inline" (test-lsp-inline))
  (_ (test-capf)
     (test-ghost)
     (test-settings-change)))
(let ((inhibit-message t)) (save-buffer))
(test-finish 0 (format "%s: completion and ghost text" test-client))
