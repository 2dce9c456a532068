from linter.entry import main

raise SystemExit(main())
