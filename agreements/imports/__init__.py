"""The spreadsheet round trip: export what a person may see in the import template, edit it in a
spreadsheet, import it back.

- `files`: reading uploads safely (CSV in several encodings, XLSX without formulas or bombs);
- `columns`: the template (column names, codes, the help sheet);
- `values`: one cell's value; `existing`: what the tracker already holds for the file's rows;
- `plan` and `milestones`: checking every row before anything is written;
- `changes`: each changed column of an update, old → new, for the dry run's report;
- `importer`: the entry point (`import_agreements`) and the writing, in one transaction;
- `staging`: uploads waiting between the preview and the confirmation; `report`: what happened;
- `exports`: the same template out (CSV, XLSX), for the list's and the admin's downloads.

May import the domain core; not the other capabilities or the faces.
"""
