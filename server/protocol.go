package server

import (
	"github.com/inkling-ls/inkling/context/workspace"
)

// The few LSP 3.17/3.18 types glsp v0.2.2 lacks, and the shapes of Inkling's
// and Copilot's own methods.

type textDocumentID struct {
	URI     string `json:"uri"`
	Version *int32 `json:"version,omitempty"`
}

// inlineCompletionParams is LSP 3.18's textDocument/inlineCompletion.
type inlineCompletionParams struct {
	TextDocument       textDocumentID      `json:"textDocument"`
	Position           *workspace.Position `json:"position"`
	Context            *inlineContext      `json:"context"`
	PartialResultToken any                 `json:"partialResultToken,omitempty"`
	WorkDoneToken      any                 `json:"workDoneToken,omitempty"`
}

type inlineContext struct {
	TriggerKind            int                     `json:"triggerKind"`
	SelectedCompletionInfo *selectedCompletionInfo `json:"selectedCompletionInfo,omitempty"`
}

type selectedCompletionInfo struct {
	Range workspace.Range `json:"range"`
	Text  string          `json:"text"`
}

type inlineCompletionList struct {
	Items []inlineCompletionItem `json:"items"`
}

type inlineCompletionItem struct {
	InsertText string          `json:"insertText"`
	FilterText string          `json:"filterText,omitempty"`
	Range      workspace.Range `json:"range"`
	Command    *command        `json:"command,omitempty"`
}

type command struct {
	Title     string `json:"title"`
	Command   string `json:"command"`
	Arguments []any  `json:"arguments,omitempty"`
}

type completionParams struct {
	TextDocument textDocumentID      `json:"textDocument"`
	Position     *workspace.Position `json:"position"`
	Context      *struct {
		TriggerKind      int    `json:"triggerKind"`
		TriggerCharacter string `json:"triggerCharacter,omitempty"`
	} `json:"context,omitempty"`
	PartialResultToken any `json:"partialResultToken,omitempty"`
}

type completionList struct {
	IsIncomplete bool             `json:"isIncomplete"`
	Items        []completionItem `json:"items"`
}

type completionItem struct {
	Label            string            `json:"label"`
	LabelDetails     *labelDetails     `json:"labelDetails,omitempty"`
	Kind             int               `json:"kind,omitempty"`
	Detail           string            `json:"detail,omitempty"`
	Documentation    *markupContent    `json:"documentation,omitempty"`
	SortText         string            `json:"sortText,omitempty"`
	FilterText       string            `json:"filterText,omitempty"`
	InsertTextFormat int               `json:"insertTextFormat,omitempty"`
	InsertTextMode   int               `json:"insertTextMode,omitempty"`
	TextEdit         *textEdit         `json:"textEdit,omitempty"`
	Preselect        bool              `json:"preselect,omitempty"`
	Data             map[string]string `json:"data,omitempty"`
}

type labelDetails struct {
	Detail      string `json:"detail,omitempty"`
	Description string `json:"description,omitempty"`
}

type markupContent struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

type textEdit struct {
	Range   workspace.Range `json:"range"`
	NewText string          `json:"newText"`
}

type progressParams struct {
	Token any `json:"token"`
	Value any `json:"value"`
}

// statusParams is didChangeStatus, the notification Copilot's clients
// already listen to; Inkling uses it for every client.
type statusParams struct {
	Kind    string `json:"kind"` // Normal, Warning, Error, Inactive
	Message string `json:"message"`
	Busy    bool   `json:"busy"`
}

// LSP error codes.
const (
	codeParseError       = -32700
	codeInvalidRequest   = -32600
	codeMethodNotFound   = -32601
	codeInvalidParams    = -32602
	codeInternalError    = -32603
	codeNotInitialized   = -32002
	codeRequestFailed    = -32803
	codeServerCancelled  = -32802
	codeContentModified  = -32801
	codeRequestCancelled = -32800
)
