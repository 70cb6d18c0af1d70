;;; inkling.el --- AI code completions from the Inkling language server  -*- lexical-binding: t -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: tools, convenience, completion
;; URL: https://github.com/inkling-ls/inkling

;; This file is not part of GNU Emacs.

;;; Commentary:

;; Inkling is a language server that asks a model (Ollama, llama.cpp, any
;; OpenAI-compatible endpoint) for code completions.  This package:
;;
;; - registers `inkling serve' with Eglot (`inkling-eglot-setup') and with
;;   lsp-mode (`inkling-lsp-setup', as an add-on next to your usual server);
;; - adds `inkling-mode', a minor mode that shows the suggestion as ghost text
;;   at point (an overlay) while you type: TAB accepts it, M-f / C-<right>
;;   accepts a word, M-RET a line, M-] and M-[ cycle, anything else dismisses.
;;
;; The server's suggestions also arrive as ordinary completion candidates
;; (`completion-at-point', Company, Corfu), and lsp-mode 9+ users can use
;; `lsp-inline-completion-mode' instead of `inkling-mode'.
;;
;; Minimal setup:
;;
;;   (require 'inkling)
;;   (setq inkling-provider "ollama"
;;         inkling-endpoint "http://127.0.0.1:11434/v1"
;;         inkling-model "qwen2.5-coder:1.5b")
;;   (inkling-eglot-setup '(python-mode python-ts-mode))   ; or (inkling-lsp-setup)
;;   (add-hook 'prog-mode-hook #'inkling-mode)

;;; Code:

(require 'cl-lib)
(require 'subr-x)

(defgroup inkling nil
  "AI code completions from the Inkling language server."
  :group 'tools
  :prefix "inkling-")

(defcustom inkling-command '("inkling" "serve")
  "The command that starts the Inkling server (program and arguments)."
  :type '(repeat string))

(defcustom inkling-provider nil
  "Kind of model server: \"ollama\", \"llamacpp\", \"openai\", \"openai-chat\" or \"local\".
nil leaves it to the server (its default, or INKLING_PROVIDER)."
  :type '(choice (const :tag "Server default" nil) string))

(defcustom inkling-endpoint nil
  "Base URL of the model server, e.g. \"http://127.0.0.1:11434/v1\".
nil leaves it to the server (its default, or INKLING_ENDPOINT)."
  :type '(choice (const :tag "Server default" nil) string))

(defcustom inkling-model nil
  "Model name, e.g. \"qwen2.5-coder:1.5b\".  nil: the server's default."
  :type '(choice (const :tag "Server default" nil) string))

(defcustom inkling-api-key nil
  "API key for the model server: a string, a function returning one, or nil.
nil leaves it to the server, which reads INKLING_API_KEY.  To keep the
key in ~/.authinfo.gpg, use a function such as
  (lambda () (auth-source-pick-first-password :host \"api.openai.com\"))"
  :type '(choice (const :tag "From INKLING_API_KEY" nil) string function))

(defcustom inkling-settings nil
  "More server settings, as a plist merged into the ones above.
For example (:temperature 0.1 :maxTokens 128 :debounceMs 50
:context (:budgetTokens 4096) :exclude [\"*.secret\"])."
  :type 'plist)

(defcustom inkling-eglot-modes '(prog-mode text-mode)
  "Major modes (and modes derived from them) that `inkling-eglot-setup' covers."
  :type '(repeat symbol))

(defcustom inkling-lsp-modes '(prog-mode text-mode)
  "Major modes (and modes derived from them) where lsp-mode starts Inkling."
  :type '(repeat symbol))

(defcustom inkling-idle-delay 0.15
  "Seconds after an edit before `inkling-mode' asks for a suggestion.
nil: only ask when `inkling-complete' is called."
  :type '(choice (const :tag "Manual only" nil) number))

(defface inkling-ghost-face '((t :inherit shadow))
  "Face of the ghost text.")

;;;; Settings and status

(defun inkling--settings ()
  "The settings object for initializationOptions and didChangeConfiguration."
  (let ((s (list :enable t))
        (key (if (functionp inkling-api-key) (funcall inkling-api-key) inkling-api-key)))
    (cl-loop for (k v) on (list :provider inkling-provider :endpoint inkling-endpoint
                                :model inkling-model :apiKey key)
             by #'cddr
             when (and v (not (equal v ""))) do (setq s (plist-put s k v)))
    (cl-loop for (k v) on inkling-settings by #'cddr do (setq s (plist-put s k v)))
    s))

(defvar inkling--status nil
  "The last didChangeStatus from a server: plist (:kind :message :busy).")

(defun inkling--set-status (status)
  (setq inkling--status status)
  (when (member (plist-get status :kind) '("Error" "Warning"))
    (message "Inkling: %s" (string-remove-prefix "Inkling: " (or (plist-get status :message) ""))))
  (force-mode-line-update t))

(defun inkling--lighter ()
  (pcase (plist-get inkling--status :kind)
    ("Error" " Ink!")
    ("Warning" " Ink?")
    ("Inactive" " Ink-")
    ;; Eglot reads JSON false as :json-false.
    (_ (if (memq (plist-get inkling--status :busy) '(nil :json-false)) " Ink" " Ink…"))))

;;;; Eglot

(declare-function eglot-current-server "eglot")
(declare-function eglot--TextDocumentPositionParams "eglot")
(declare-function eglot--signal-textDocument/didChange "eglot")
(declare-function eglot--lsp-position-to-point "eglot")
(declare-function eglot--capabilities "eglot")
(declare-function jsonrpc-async-request "jsonrpc")
(declare-function jsonrpc-notify "jsonrpc")
(declare-function jsonrpc-request "jsonrpc")
(defvar eglot-server-programs)
(defvar eglot--servers-by-project)

(with-eval-after-load 'eglot
  (defclass eglot-inkling (eglot-lsp-server) ()
    :documentation "The Inkling server, as Eglot sees it.")
  (cl-defmethod eglot-initialization-options ((_ eglot-inkling))
    (inkling--settings))
  (cl-defmethod eglot-handle-notification
    ((_ eglot-inkling) (_ (eql didChangeStatus)) &rest status &allow-other-keys)
    (inkling--set-status status)))

;;;###autoload
(defun inkling-eglot-setup (&optional modes)
  "Make Eglot start Inkling for MODES (default `inkling-eglot-modes').
Eglot runs one server per buffer: in these modes Inkling replaces the
language's own server.  Use lsp-mode to run both."
  (require 'eglot)
  (add-to-list 'eglot-server-programs
               (cons (or modes inkling-eglot-modes) (cons 'eglot-inkling inkling-command))))

;;;; lsp-mode

(declare-function lsp-register-client "lsp-mode")
(declare-function make-lsp-client "lsp-mode")
(declare-function lsp-stdio-connection "lsp-mode")
(declare-function lsp-request-async "lsp-mode")
(declare-function lsp-notify "lsp-mode")
(declare-function lsp--text-document-position-params "lsp-mode")
(declare-function lsp--position-to-point "lsp-mode")
(declare-function lsp--workspace-client "lsp-mode")
(declare-function lsp--client-server-id "lsp-mode")
(declare-function lsp--workspace-status "lsp-mode")
(declare-function lsp-workspaces "lsp-mode")
(declare-function lsp--session-workspaces "lsp-mode")
(declare-function lsp-session "lsp-mode")
(defvar lsp--buffer-workspaces)
(defvar lsp--cur-workspace)

(defun inkling--lsp-status (_workspace params)
  (inkling--set-status (inkling--to-plist params)))

;;;###autoload
(defun inkling-lsp-setup ()
  "Register Inkling with lsp-mode, as an add-on next to each language's own server.
It starts in `inkling-lsp-modes'."
  (require 'lsp-mode)
  (let ((handlers (make-hash-table :test 'equal)))
    (puthash "didChangeStatus" #'inkling--lsp-status handlers)
    (lsp-register-client
     (make-lsp-client
      :new-connection (lsp-stdio-connection (lambda () inkling-command)
                                            (lambda () (executable-find (car inkling-command))))
      :activation-fn (lambda (_file mode) (apply #'provided-mode-derived-p mode inkling-lsp-modes))
      :add-on? t
      :priority -5
      :server-id 'inkling
      :initialization-options #'inkling--settings
      :notification-handlers handlers))))

;;;; Talking to the server, through Eglot or lsp-mode

(defun inkling--to-plist (obj)
  "OBJ as a plist: lsp-mode parses JSON objects to hash tables."
  (if (hash-table-p obj)
      (let (pl)
        (maphash (lambda (k v) (setq pl (plist-put pl (intern (concat ":" k)) (inkling--to-plist v)))) obj)
        pl)
    (if (vectorp obj) (vconcat (mapcar #'inkling--to-plist obj)) obj)))

(defun inkling--lsp-workspace ()
  "The lsp-mode workspace of this buffer that offers inline completion."
  (when (bound-and-true-p lsp--buffer-workspaces)
    (or (cl-find-if (lambda (ws) (eq (lsp--client-server-id (lsp--workspace-client ws)) 'inkling))
                    lsp--buffer-workspaces)
        (cl-find-if (lambda (ws)
                      (let ((caps (lsp--workspace-server-capabilities ws)))
                        (and (hash-table-p caps)
                             (not (eq 'absent (gethash "inlineCompletionProvider" caps 'absent))))))
                    lsp--buffer-workspaces))))

(declare-function lsp--workspace-server-capabilities "lsp-mode")

(defun inkling--eglot-server ()
  (when-let* (((bound-and-true-p eglot--managed-mode))
              (server (eglot-current-server)))
    (and (plist-member (eglot--capabilities server) :inlineCompletionProvider) server)))

(defun inkling--backend ()
  "The client that carries requests here: (eglot . SERVER), (lsp . WS) or nil."
  (cond ((inkling--eglot-server) (cons 'eglot (inkling--eglot-server)))
        ((and (featurep 'lsp-mode) (inkling--lsp-workspace)) (cons 'lsp (inkling--lsp-workspace)))))

(defun inkling--request (backend method params on-success on-error)
  "Send METHOD with PARAMS through BACKEND; call ON-SUCCESS with a plist result."
  (pcase (car backend)
    ('eglot
     (jsonrpc-async-request (cdr backend) method params
                            :success-fn (lambda (r) (funcall on-success r))
                            :error-fn (lambda (e) (funcall on-error e))
                            :timeout-fn (lambda () (funcall on-error "timeout"))))
    ('lsp
     (let ((lsp--cur-workspace (cdr backend)))
       (lsp-request-async (substring (symbol-name method) 1) params
                          (lambda (r) (funcall on-success (inkling--to-plist r)))
                          :mode 'detached
                          :error-handler (lambda (e) (funcall on-error e)))))))

(defun inkling--position-params (backend)
  (pcase (car backend)
    ('eglot (eglot--signal-textDocument/didChange) ; Eglot batches edits: flush them first.
            (eglot--TextDocumentPositionParams))
    ('lsp (lsp--text-document-position-params))))

(defun inkling--to-point (backend pos)
  (pcase (car backend)
    ('eglot (eglot--lsp-position-to-point pos))
    ('lsp (let ((h (make-hash-table :test 'equal)))
            (puthash "line" (plist-get pos :line) h)
            (puthash "character" (plist-get pos :character) h)
            (lsp--position-to-point h)))))

;;;; Ghost text

(defvar inkling-mode)
(defvar-local inkling--overlay nil)
(defvar-local inkling--suggestions nil
  "The suggestions at point: a list of (TEXT END . COMMAND).
TEXT is inserted at point and replaces the text from point to END; the
server's COMMAND, if any, is run once it is accepted.")
(defvar-local inkling--index 0)
(defvar-local inkling--timer nil)
(defvar-local inkling--seq 0 "Counts requests, so that a late answer to an old one is dropped.")
(defvar-local inkling--tick nil "The buffer's modification tick when it was last seen.")
(defvar-local inkling--active nil "Non-nil while ghost text is shown: enables `inkling-active-map'.")
(defvar-local inkling--cycled nil
  "Non-nil once the server was asked for alternatives to the suggestions shown.")

(defvar inkling-active-map
  (let ((m (make-sparse-keymap)))
    (define-key m (kbd "TAB") #'inkling-accept)
    (define-key m (kbd "<tab>") #'inkling-accept)
    (define-key m (kbd "M-f") #'inkling-accept-word)
    (define-key m (kbd "C-<right>") #'inkling-accept-word)
    (define-key m (kbd "M-RET") #'inkling-accept-line)
    (define-key m (kbd "M-]") #'inkling-next)
    (define-key m (kbd "M-[") #'inkling-previous)
    (define-key m (kbd "C-g") #'inkling-dismiss)
    m)
  "Keys that act on the ghost text while it is shown.")

(defvar-local inkling--emulation-alist nil)
(add-to-list 'emulation-mode-map-alists 'inkling--emulation-alist)

(defconst inkling--own-commands
  '(inkling-accept inkling-accept-word inkling-accept-line inkling-next inkling-previous inkling-complete))

(defun inkling--ghost ()
  "The suggestion shown now, (TEXT END . COMMAND), or nil."
  (and inkling--active (nth inkling--index inkling--suggestions)))

(defun inkling--show ()
  (let ((s (inkling--ghost)))
    (if (or (null s) (string-empty-p (car s)))
        (inkling-clear)
      (let ((text (propertize (car s) 'face 'inkling-ghost-face)))
        ;; Keep the cursor before the ghost text, not after it.
        (put-text-property 0 1 'cursor t text)
        (unless (overlayp inkling--overlay)
          (setq inkling--overlay (make-overlay (point) (point) nil nil t))
          (overlay-put inkling--overlay 'priority 100))
        (move-overlay inkling--overlay (point) (point) (current-buffer))
        (overlay-put inkling--overlay 'after-string text)
        (overlay-put inkling--overlay 'inkling t)
        (setq inkling--emulation-alist (list (cons 'inkling--active inkling-active-map)))))))

(defun inkling-clear ()
  "Remove the ghost text."
  (when (overlayp inkling--overlay) (delete-overlay inkling--overlay))
  (setq inkling--overlay nil inkling--suggestions nil inkling--index 0 inkling--active nil
        inkling--cycled nil))

(defun inkling-visible-p ()
  "Non-nil when ghost text is shown; its text is returned."
  (and inkling--active (overlayp inkling--overlay) (overlay-buffer inkling--overlay)
       (substring-no-properties (overlay-get inkling--overlay 'after-string))))

(defun inkling--suggestion (backend item)
  "ITEM (an InlineCompletionItem) as (TEXT END . COMMAND) at point, or nil."
  (let* ((insert (plist-get item :insertText))
         (text (if (stringp insert) insert (plist-get insert :value)))
         (range (plist-get item :range))
         (start (if range (inkling--to-point backend (plist-get range :start)) (point)))
         (end (if range (inkling--to-point backend (plist-get range :end)) (point))))
    (when (and (stringp text) (<= start (point)) (>= end (point)))
      ;; The range may start before point, over text already typed: show only the rest.
      (let ((typed (buffer-substring-no-properties start (point))))
        (when (string-prefix-p typed text)
          (cons (substring text (length typed)) (cons end (plist-get item :command))))))))

(defun inkling-complete (&optional automatic cycle)
  "Ask the server for a suggestion at point and show it as ghost text.
AUTOMATIC non-nil marks the request as sent while typing.  CYCLE, 1 or
-1, asks for alternatives to the suggestions shown: the new ones join
them, and the next (or previous) one shows."
  (interactive)
  (let ((backend (inkling--backend))
        (buf (current-buffer))
        (pt (point))
        (tick (buffer-chars-modified-tick))
        (seq (cl-incf inkling--seq)))
    (if (not backend)
        (when (called-interactively-p 'interactive)
          (message "Inkling: no server with inline completion in this buffer (start Eglot or lsp-mode)"))
      (inkling--request
       backend :textDocument/inlineCompletion
       (append (inkling--position-params backend)
               (list :context (list :triggerKind (if automatic 2 1))))
       (lambda (result)
         (when (buffer-live-p buf)
           (with-current-buffer buf
             (when (and (= seq inkling--seq) (= pt (point)) (= tick (buffer-chars-modified-tick)))
               (let* ((items (if (vectorp result) result (plist-get result :items)))
                      (sugg (delete-dups
                             (delq nil (mapcar (lambda (it) (inkling--suggestion backend it)) items)))))
                 (let ((old (and cycle inkling--active inkling--suggestions))
                       (index inkling--index))
                   (inkling-clear)
                   (setq sugg (cl-remove-duplicates (append old sugg) :key #'car :test #'equal :from-end t))
                   (when sugg
                     (setq inkling--suggestions sugg inkling--active t
                           inkling--cycled (and cycle t)
                           inkling--index (if cycle (mod (+ index cycle) (length sugg)) 0))
                     (inkling--show))))))))
       (lambda (err)
         ;; -32800: a newer request superseded this one.  Nothing to show for it.
         (unless (equal (plist-get err :code) -32800)
           (message "Inkling: %s" (or (plist-get err :message) err))))))))

(defun inkling--insert (text end)
  "Replace point..END with TEXT, leaving point after it."
  (let ((inhibit-modification-hooks nil))
    (when (> end (point)) (delete-region (point) end))
    (insert text)))

(defun inkling--run-command (cmd)
  "Run the server COMMAND that comes with an accepted suggestion.
It tells the server the suggestion was taken."
  (when-let ((backend (and cmd (inkling--backend))))
    (inkling--request backend :workspace/executeCommand
                      (list :command (plist-get cmd :command)
                            :arguments (or (plist-get cmd :arguments) []))
                      #'ignore #'ignore)))

(defun inkling-accept ()
  "Insert the whole suggestion."
  (interactive)
  (let ((s (inkling--ghost)))
    (inkling-clear)
    (when s
      (inkling--insert (car s) (cadr s))
      (inkling--run-command (cddr s)))
    (setq inkling--tick (buffer-chars-modified-tick))))

(defun inkling--accept-part (len)
  "Insert the first LEN characters of the suggestion and keep showing the rest."
  (let* ((s (inkling--ghost))
         (text (car s)))
    (when s
      (if (>= len (length text))
          (inkling-accept)
        (let ((rest (substring text len)))
          (insert (substring text 0 len))
          (setq inkling--suggestions (list (cons rest (cons (max (point) (+ (cadr s) len)) (cddr s))))))
        (setq inkling--index 0 inkling--active t inkling--cycled nil
              inkling--tick (buffer-chars-modified-tick))
        (inkling--show)))))

(defun inkling-accept-word ()
  "Insert the suggestion's next word."
  (interactive)
  (when-let ((s (inkling--ghost)))
    (inkling--accept-part
     (if (string-match "\\`[ \t\n]*[^ \t\n[:alnum:]_]*[[:alnum:]_]*" (car s))
         (max 1 (match-end 0))
       1))))

(defun inkling-accept-line ()
  "Insert the suggestion up to and including its next newline."
  (interactive)
  (when-let ((s (inkling--ghost)))
    (let ((nl (string-search "\n" (car s) (if (string-prefix-p "\n" (car s)) 1 0))))
      (inkling--accept-part (if nl (1+ nl) (length (car s)))))))

(defun inkling--cycle (step)
  "Show the suggestion STEP away, asking the server for alternatives first
when it has given only one (an invoked request gets up to three)."
  (cond ((not (inkling--ghost)) (inkling-complete))
        ((>= (length inkling--suggestions) 2)
         (setq inkling--index (mod (+ inkling--index step) (length inkling--suggestions)))
         (inkling--show))
        (inkling--cycled (message "Inkling: no other suggestion"))
        (t (inkling-complete nil step))))

(defun inkling-next ()
  "Show the next suggestion."
  (interactive)
  (inkling--cycle 1))

(defun inkling-previous ()
  "Show the previous suggestion."
  (interactive)
  (inkling--cycle -1))

(defun inkling-dismiss ()
  "Hide the ghost text."
  (interactive)
  (inkling-clear))

(defun inkling--post-command ()
  (unless (memq this-command inkling--own-commands)
    (let ((s (inkling--ghost))
          (edited (not (eql inkling--tick (buffer-chars-modified-tick)))))
      (setq inkling--tick (buffer-chars-modified-tick))
      (if (and s edited (eq this-command 'self-insert-command) (characterp last-command-event)
               (string-prefix-p (string last-command-event) (car s)))
          ;; Typed what the ghost text said: keep showing the rest, no new request.
          (progn (setq inkling--suggestions
                       (list (cons (substring (car s) 1) (cons (max (point) (1+ (cadr s))) (cddr s))))
                       inkling--index 0)
                 (inkling--show))
        (inkling-clear)
        (when (timerp inkling--timer) (cancel-timer inkling--timer))
        (when (and edited inkling-idle-delay)
          (let ((buf (current-buffer)))
            (setq inkling--timer
                  (run-with-timer inkling-idle-delay nil
                                  (lambda ()
                                    (when (buffer-live-p buf)
                                      (with-current-buffer buf
                                        (setq inkling--timer nil)
                                        (when inkling-mode (inkling-complete t)))))))))))))

;;;###autoload
(define-minor-mode inkling-mode
  "Show Inkling's suggestions as ghost text while you type.
The buffer must be managed by Eglot or lsp-mode with the Inkling server
\(see `inkling-eglot-setup' and `inkling-lsp-setup').

\\<inkling-active-map>While ghost text is shown: \\[inkling-accept] accepts it, \
\\[inkling-accept-word] accepts a word, \\[inkling-accept-line] a line,
\\[inkling-next] and \\[inkling-previous] cycle, and any other command dismisses it."
  :lighter (:eval (inkling--lighter))
  (if inkling-mode
      (progn (setq inkling--tick (buffer-chars-modified-tick))
             (add-hook 'post-command-hook #'inkling--post-command nil t))
    (remove-hook 'post-command-hook #'inkling--post-command t)
    (when (timerp inkling--timer) (cancel-timer inkling--timer))
    (inkling-clear)))

;;;; Commands

(defun inkling-status ()
  "Show which provider and model the server uses, and its state."
  (interactive)
  (let ((backend (inkling--backend)))
    (unless backend (user-error "Inkling: no Inkling server in this buffer"))
    (inkling--request backend :inkling/status nil
                      (lambda (s)
                        (message "Inkling: %s %s at %s: %s%s"
                                 (plist-get s :provider) (plist-get s :model) (plist-get s :endpoint)
                                 (plist-get s :kind)
                                 (let ((m (plist-get s :message))) (if (and m (not (string-empty-p m))) (concat ", " m) ""))))
                      (lambda (e) (message "Inkling: %s" e)))))

(defun inkling-update-settings ()
  "Send the current settings to the running Inkling servers (no restart needed)."
  (interactive)
  (let ((params (list :settings (list :inkling (inkling--settings))))
        (backend (inkling--backend)))
    (pcase (car backend)
      ('eglot (jsonrpc-notify (cdr backend) :workspace/didChangeConfiguration params))
      ('lsp (let ((lsp--cur-workspace (cdr backend)))
              (lsp-notify "workspace/didChangeConfiguration" params)))
      (_ (user-error "Inkling: no Inkling server in this buffer")))))

(provide 'inkling)
;;; inkling.el ends here
