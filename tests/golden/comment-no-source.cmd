comment github
