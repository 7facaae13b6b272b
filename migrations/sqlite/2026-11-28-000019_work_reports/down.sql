DROP TABLE work_report_comments;
DROP TABLE work_reports;
