DROP TABLE awards;
