"""The tracker in English, Russian and Japanese: complete catalogues, each person's language on
pages and in e-mails, formats per language, and pages without a word of English left."""
