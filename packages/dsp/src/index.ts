// Public API of @emo/dsp. The package arrives with its own issue; see README.md.
export {};
